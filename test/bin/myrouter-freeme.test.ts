// MyRouter and Freeme against self-lockout, for real: a dnsmasq on loopback whose answer for the
// administrator's dynamic-DNS name changes between two runs, WatchLG running in a network
// namespace, kernel sets and module databases asserted.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNameServer, type DnsServer } from '../helpers/dns.js';
import { makeModuleSandbox, prepareService, startService, closeService, type ModuleSandbox } from '../helpers/sandbox.js';
import { BACKENDS, firewallLine, kernelAdd } from '../helpers/backends.js';

const NAME = 'home.example.test';
const [OLD, NEW, V6] = ['203.0.113.7', '203.0.113.8', '2001:db8::7'];
const STATIC = '198.51.100.50';

describe.each(BACKENDS)('MyRouter and Freeme (%s)', (backend) => {
  let sb: ModuleSandbox;
  let dns: DnsServer | undefined;
  let port: number;
  const members = async (set: string) => [...(await sb.members(set)).keys()].sort();

  beforeAll(async () => {
    sb = await makeModuleSandbox(['WatchLG', 'WatchMX'], 'TRACE=\nGEOTRACK=\nTIME_SLICE=60', { dns: false, backend });
    dns = await startNameServer({ [NAME]: [OLD, V6] }, sb.ns);
    port = dns.port;
    await prepareService(sb, 'WatchLG', { watcher: `MYROUTER="${NAME} ${STATIC}"\nDNS_SERVER=${dns.server}\nDNS_TIMEOUT=500\n` });
    expect((await sb.run('modules/WatchMX/Prep')).exitCode).toBe(0);
  });
  afterAll(async () => { await closeService(sb, dns); });

  it('MyRouter puts the current addresses of MYROUTER into the whitelist set and Loadfile-MyRouter (0600), and logs it', async () => {
    const r = await sb.run('bin/MyRouter');
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(`${NAME}: ${OLD} ${V6} added to the whitelist\n${STATIC}: ${STATIC} added to the whitelist`);
    expect(await members('whitelist')).toEqual([V6, OLD, STATIC].sort());
    const loadfile = join(sb.inst.root, 'Loadfiles/Loadfile-MyRouter');
    expect(readFileSync(loadfile, 'utf8')).toBe('# Written by bin/MyRouter: the current addresses of MYROUTER (watcher.conf). Do not edit.\n'
      + `add whitelist ${OLD} comment "MyRouter ${NAME}"\nadd whitelist ${V6} comment "MyRouter ${NAME}"\nadd whitelist ${STATIC} comment "MyRouter ${STATIC}"\n`);
    expect(statSync(loadfile).mode & 0o777).toBe(0o600);
    expect(sb.read(join(sb.inst.logDir, 'MyRouter.log'))).toMatch(new RegExp(`^\\S+ MyRouter\\[\\d+\\]: ${NAME}: ${OLD} ${V6} added to the whitelist\n`));
  });

  it('is silent when nothing changes; watcher start and Whitelist keep its addresses', async () => {
    await startService(sb, 'WatchLG');
    expect(await members('whitelist')).toEqual([V6, OLD, STATIC].sort());
    sb.inst.write('whitelist', '192.0.2.0/24\n');
    const w = await sb.run('master/Whitelist');
    expect(w.exitCode, w.stderr).toBe(0);
    expect(await members('whitelist')).toEqual([V6, '192.0.2.0/24', OLD, STATIC].sort());
    const r = await sb.run('bin/MyRouter');
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, '', '']);
  });

  it('when the name moves: the new address in, the old one out, running modules reread the whitelist and spare it', async () => {
    // The administrator's new address was caught before the name moved (tarpit, custody, both databases, a Loadfile).
    expect((await sb.run('modules/WatchLG/LGinjector', [NEW, '4'])).exitCode).toBe(0);
    expect((await sb.run('modules/WatchMX/MXinjector', [NEW, '5'])).exitCode).toBe(0);
    expect((await sb.run('modules/WatchLG/Load')).exitCode).toBe(0);
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-WatchLG'), 'utf8')).toContain(`add tarpit ${NEW} timeout`);
    await dns!.stop();
    dns = await startNameServer({ [NAME]: [NEW, V6] }, sb.ns, port);
    const reloadedBefore = JSON.stringify(sb.statusOf('WatchLG')?.reloaded);
    const r = await sb.run('bin/MyRouter');
    expect(r.exitCode, r.stderr).toBe(0);
    const pid = readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8').trim();
    expect(r.stdout).toBe(`${NAME}: ${NEW} added to the whitelist, ${OLD} taken out (the name moved)\nWhitelist changed: WatchLG (pid ${pid}) reread it (SIGHUP)`);
    expect(await members('whitelist')).toEqual([V6, '192.0.2.0/24', NEW, STATIC].sort());
    const before = Number(sb.statusOf('WatchLG')?.spared ?? 0);
    await sb.waitFor('WatchLG reread the whitelist', () => JSON.stringify(sb.statusOf('WatchLG')?.reloaded) !== reloadedBefore);
    (await import('node:fs')).appendFileSync(join(sb.inst.fifoBase, 'WatchLG'), `Nov  1 00:00:00 h sshd[9]: Failed password for root from ${NEW} port 1 ssh2\n`);
    await sb.waitFor('the line spared', () => Number(sb.statusOf('WatchLG')?.spared) === before + 1, 15_000);
    expect(sb.withDb('WatchLG', (db) => db.prepare('SELECT affairs FROM bandits WHERE address = ?').get(NEW))).toEqual({ affairs: 4 });
    // Watcher-Report shows the running module with its status counters.
    const report = await sb.run('bin/Watcher-Report');
    expect(report.stdout).toMatch(new RegExp(`\\nWatchLG: running, pid ${pid} since \\S+: lines 1, skipped 0, untreated 0, `));
  });

  it('Freeme frees what the whitelist and MyRouter spare from tarpit, custody, every database and the Loadfiles; then it is silent', async () => {
    // 192.0.2.44 was caught before 192.0.2.0/24 was whitelisted: put it in tarpit and a database by hand.
    await kernelAdd(sb.ns, backend, 'tarpit', '192.0.2.44', 600);
    await kernelAdd(sb.ns, backend, 'custody', '198.18.0.9');
    // The router's IPv6 address was put in custody before it was whitelisted.
    await kernelAdd(sb.ns, backend, 'custody', V6);
    expect(await members('tarpit')).toContain(NEW);
    expect(await members('custody')).toContain(NEW);
    const r = await sb.run('bin/Freeme');
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([
      `${NEW} (MyRouter ${NAME}): freed from custody, tarpit, WatchLG.db, WatchMX.db`,
      '192.0.2.44 (whitelisted): freed from tarpit',
      `${V6} (MyRouter ${NAME}): freed from custody`,
      `${join(sb.inst.root, 'Loadfiles/Loadfile-WatchLG')}: spared addresses' lines removed`,
    ].sort());
    expect(await members('tarpit')).toEqual([]);
    expect(await members('custody')).toEqual(['198.18.0.9']);
    expect(sb.withDb('WatchLG', (db) => db.prepare('SELECT count(*) AS n FROM bandits WHERE address = ?').get(NEW))).toEqual({ n: 0 });
    expect(sb.withDb('WatchMX', (db) => db.prepare('SELECT count(*) AS n FROM bandits WHERE address = ?').get(NEW))).toEqual({ n: 0 });
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-WatchLG'), 'utf8')).not.toContain(NEW);
    // Its own whitelist lines stay: freeing never takes an address out of the whitelist.
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-MyRouter'), 'utf8')).toContain(`add whitelist ${NEW}`);
    expect(sb.read(join(sb.inst.logDir, 'Freeme.log'))).toContain(`Freeme[`);
    const again = await sb.run('bin/Freeme');
    expect([again.exitCode, again.stdout, again.stderr]).toEqual([0, '', '']);
    // freeme by hand neither: it frees from the DROP sets, never out of the whitelist.
    expect((await sb.run('bin/freeme', [NEW])).stdout).toBe(`${NEW}: in no set and no database`);
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-MyRouter'), 'utf8')).toContain(`add whitelist ${NEW}`);
  });

  it('an answer no router has (multicast) is refused and named (exit 69); nothing else changes', async () => {
    const conf = readFileSync(join(sb.inst.root, 'watcher.conf'), 'utf8');
    await dns!.stop();
    dns = await startNameServer({ [NAME]: [NEW, V6], 'mcast.example.test': ['224.0.0.5'] }, sb.ns, port);
    sb.inst.write('watcher.conf', conf.replace(`MYROUTER="${NAME} ${STATIC}"`, `MYROUTER="${NAME} ${STATIC} mcast.example.test"`));
    const r = await sb.run('bin/MyRouter');
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([69, '', 'MyRouter: mcast.example.test: 224.0.0.5 is a multicast, reserved or broadcast address: not whitelisted']);
    expect(await members('whitelist')).toEqual([V6, '192.0.2.0/24', NEW, STATIC].sort());
    sb.inst.write('watcher.conf', conf);
  });

  it('a name that does not answer keeps its addresses (exit 69, named); a bad MYROUTER is exit 78 with file:line', async () => {
    await dns!.stop();
    dns = undefined;
    const r = await sb.run('bin/MyRouter');
    expect(r.exitCode).toBe(69);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^MyRouter: ${NAME}: no answer \\(E[A-Z]+\\); keeping ${NEW} ${V6} in the whitelist$`));
    expect(await members('whitelist')).toEqual([V6, '192.0.2.0/24', NEW, STATIC].sort());
    const conf = sb.inst.write('watcher.conf', `MODULES=WatchLG\n${firewallLine(backend)}MYROUTER="home..example.test"\n`);
    const bad = await sb.run('bin/MyRouter');
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toBe(`MyRouter: ${conf}:3: MYROUTER="home..example.test": "home..example.test": not a host name (letters, digits and - in dot-separated labels) or an address`);
    // A typo in a key MyRouter does not need is a warning only: the lockout tool still runs.
    sb.inst.write('watcher.conf', `MODULES=WatchLG\n${firewallLine(backend)}STOP_GRACE=abc\nMYROUTER=${STATIC}\n`);
    const warn = await sb.run('bin/MyRouter');
    expect(warn.stderr).toContain('STOP_GRACE="abc"');
    expect(warn.exitCode).toBe(0);
    expect(warn.stdout).toBe(`${NAME}: no longer in MYROUTER, ${NEW} ${V6} taken out of the whitelist\nWhitelist changed: WatchLG (pid ${readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8').trim()}) reread it (SIGHUP)`);
    expect(await members('whitelist')).toEqual(['192.0.2.0/24', STATIC].sort());
  });
});
