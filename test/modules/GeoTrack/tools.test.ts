// GeoTrack's programs and the cases an administrator and an attacker bring: ENABLED=, typos in
// GeoTrack.conf, the whitelist, WIDEST_NET, a bounded queue, hostile FIFO lines, Refresh ge,
// Trace GE, StatGeo and its mail, and the master leaving a disabled GeoTrack alone.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { run } from '../../../master/lib/core/runner.js';
import { startSmtp } from '../../helpers/smtp.js';
import { makeGeoSandbox, type GeoSandbox } from './sandbox.js';
import { BACKENDS, firewallLine } from '../../helpers/backends.js';

describe.each(BACKENDS)('GeoTrack tools and hostile input (%s)', (backend) => {
  let sb: GeoSandbox;
  let geo: ResultPromise | undefined;
  const stopGeo = async () => { if (geo) { geo.kill('SIGTERM'); await geo; geo = undefined; } };
  const fifo = () => join(sb.inst.fifoBase, 'GeoTrack');
  const hand = (lines: string[]) => appendFileSync(fifo(), lines.map((l) => `${l}\n`).join(''));
  const startGeo = async () => {
    await stopGeo();
    geo = sb.start('modules/GeoTrack/GeoTrack');
    await sb.waitFor('GeoTrack status', () => sb.statusOf('GeoTrack')?.pid === geo!.pid);
  };
  const route = (ip: string) => sb.geo((db) => db.prepare('SELECT route, country FROM geotrack WHERE ip = ?').get(ip));

  // GeoTrack started with `conf`, one address handed over by WatchMX: its network recorded as `want` and in custody.
  const intoCustody = async (conf: string, address: string, want: { route: string; country: string }) => {
    sb.writeConf(conf);
    await startGeo();
    hand([`${address} WatchMX`]);
    expect(await sb.waitFor('recorded', () => route(address))).toEqual(want);
    await sb.waitFor('custody', async () => (await sb.members('custody')).has(want.route));
  };

  beforeAll(async () => {
    sb = await makeGeoSandbox('GEOTRACK=yes', backend);
    await sb.startWhois();
    expect((await sb.run('modules/GeoTrack/Prep')).exitCode).toBe(0);
  });
  afterAll(async () => {
    await sb?.run('master/watcher', ['stop']);
    if (geo && geo.exitCode === null) { geo.kill('SIGKILL'); await geo.catch(() => {}); }
    await sb?.close();
  });

  it('every program answers --help', async () => {
    for (const p of ['GeoTrack', 'LoadGeo', 'ExpireGeo', 'StatGeo', 'Prep', 'Load', 'Expire', 'Stat']) {
      const r = await sb.run(`modules/GeoTrack/${p}`, ['--help']);
      expect(r.exitCode, p).toBe(0);
      expect(r.stdout, p).toMatch(/ - /);
    }
  });

  it('ENABLED= : exits 0, makes no FIFO and removes one left behind; LoadGeo loads none of its networks', async () => {
    sb.writeConf('ENABLED=');
    await run('mkfifo', ['-m', '0600', fifo()]);
    const r = await sb.run('modules/GeoTrack/GeoTrack');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^GeoTrack: not enabled \(ENABLED= in GeoTrack.conf\): no FIFO \(.*GeoTrack removed\), the modules hand nothing over$/);
    expect(existsSync(fifo())).toBe(false);
    expect(sb.statusOf('GeoTrack')).toBeUndefined();
    const load = await sb.run('modules/GeoTrack/Load');
    expect(load.exitCode).toBe(0);
    expect(load.stdout).toMatch(/^LoadGeo: GeoTrack is not enabled \(ENABLED= in GeoTrack.conf\): 0 custody entries in /);
  });

  it('a typo in GeoTrack.conf is exit 78 naming file, line, key and value', async () => {
    for (const [extra, want] of [
      ['WHOIS_RATE=fast', /GeoTrack.conf:\d+: WHOIS_RATE="fast": not a whole number >= 1 and <= 6000/],
      ['ZONES="cn russia"', /GeoTrack.conf: ZONES: "russia" is no country code/],
      ['WHOIS_HOSTS="whois.ripe.net=:43"', /WHOIS_HOSTS: "whois.ripe.net=:43" is not name=address\[:port\]/],
      ['ZONE=cn', /GeoTrack.conf:\d+: ZONE="cn": unknown key/],
    ] as const) {
      sb.writeConf(extra);
      const r = await sb.run('modules/GeoTrack/GeoTrack');
      expect(r.exitCode, extra).toBe(78);
      expect(r.stderr, extra).toMatch(want);
    }
    sb.writeConf();
  });

  it('a whitelisted address is spared: no query, nothing recorded, nothing blocked', async () => {
    writeFileSync(join(sb.inst.root, 'whitelist'), '193.19.80.0/20 # a partner\n');
    await startGeo();
    hand(['193.19.80.7 WatchLG']);
    const st = await sb.waitFor('spared', () => { const s = sb.statusOf('GeoTrack')!; return s.spared === 1 && s; });
    expect(st).toMatchObject({ lines: 1, queries: 0, queued: 0 });
    expect(route('193.19.80.7')).toBeUndefined();
    expect((await sb.members('custody')).size).toBe(0);
    await stopGeo();
    writeFileSync(join(sb.inst.root, 'whitelist'), '');
  });

  it('WIDEST_NET narrows a wide network to the attacker\'s own part', async () => {
    await intoCustody('WIDEST_NET=22', '193.19.85.5', { route: '193.19.84.0/22', country: 'RU' });
    expect([...(await sb.members('custody')).keys()]).toEqual(['193.19.84.0/22']);
    sb.writeConf('WIDEST_NET=23');
    await stopGeo();
  });

  it('hostile FIFO lines are counted and skipped; the queue is bounded (QUEUE_MAX) and logged', async () => {
    sb.writeConf('QUEUE_MAX=10');
    await sb.stopWhois(); // nothing gets located: the queue fills
    await startGeo();
    const junk = ['1.2.3.4', '1.2.3.4 WatchLG; rm -rf /', '999.1.1.1 WatchLG', `${'A'.repeat(9000)} WatchLG`, '\u0000\u0001 WatchLG'];
    hand([...junk, ...Array.from({ length: 15 }, (_, i) => `41.0.2.${i + 1} WatchLG`)]);
    const st = await sb.waitFor('the queue full', () => { const s = sb.statusOf('GeoTrack')!; return s.queueLost === 5 && s; });
    expect(st).toMatchObject({ lines: 15, queued: 10, queueLost: 5, unparsed: 4, overlong: 1 });
    expect(sb.geoLog()).toMatch(/queue full \(QUEUE_MAX=10\): 5 addresses not taken, 5 in all/);
    await stopGeo();
    expect(sb.geo((db) => db.prepare('SELECT COUNT(*) AS n FROM queue').get())).toEqual({ n: 10 });
    await sb.startWhois();
    sb.writeConf('WIDEST_NET=23');
  });

  it('Refresh ge rereads ZONES (recorded networks follow them); Trace GE shows what GeoTrack did', async () => {
    await startGeo();
    await sb.waitFor('the queue of the last start done', () => sb.statusOf('GeoTrack')?.queued === 0, 20_000);
    sb.writeConf('ZONES="us"');
    const r = await sb.run('bin/Refresh', ['ge']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^GeoTrack \(pid \d+\): new rules taken: 1 rules in 1 files$/);
    await sb.waitFor('the RU network out of custody', async () => !(await sb.members('custody')).has('193.19.84.0/22'));
    expect(sb.geoLog()).toMatch(/ZONES changed: 0 recorded networks put in custody, 1 taken out/);
    hand(['8.8.8.8 WatchWB']);
    await sb.waitFor('US in custody', async () => (await sb.members('custody')).has('8.8.8.0/24'));
    expect([...(await sb.members('custody')).keys()]).toEqual(['8.8.8.0/24']);
    const t = await sb.run('bin/Trace', ['GE', '--no-follow', '-n', '50']);
    expect(t.exitCode).toBe(0);
    expect(t.stderr).toBe('');
    expect(t.stdout).toMatch(/GeoTrack\[\d+\]: 8\.8\.8\.8 \(WatchWB\): 8\.8\.8\.0\/24 US by ARIN, 2 queries: custody 8\.8\.8\.0\/24/);
    sb.writeConf('ZONES="cn ru"\nWHOIS_RATE=0');
    const bad = await sb.run('bin/Refresh', ['ge']);
    expect(bad.exitCode).toBe(65);
    expect(bad.stderr).toMatch(/WHOIS_RATE="0"/);
    await stopGeo();
    sb.writeConf();
  });

  it('a locked geotrack.db stops nothing: the address is located and recorded once the lock goes', async () => {
    await startGeo();
    const lock = new Database(join(sb.inst.root, 'modules/GeoTrack/geotrack.db'));
    lock.exec('BEGIN IMMEDIATE');
    try {
      hand(['193.19.80.7 WatchLG']);
      await sb.waitFor('the queue refused', () => /queue not written \(database is locked\): the addresses wait in memory/.test(sb.geoLog()), 20_000);
      await sb.waitFor('the record refused', () => /193\.19\.80\.7: not recorded now \(database is locked\): asked again in 5 s/.test(sb.geoLog()), 20_000);
      expect(sb.statusOf('GeoTrack')?.pid).toBe(geo!.pid);
    } finally { lock.exec('COMMIT'); lock.close(); }
    expect(await sb.waitFor('recorded', () => route('193.19.80.7'), 30_000)).toEqual({ route: '193.19.80.0/21', country: 'RU' });
    await sb.waitFor('custody', async () => (await sb.members('custody')).has('193.19.80.0/21'));
    expect(sb.geo((db) => db.prepare('SELECT COUNT(*) AS n FROM queue').get())).toEqual({ n: 0 });
    await stopGeo();
  });

  it('StatGeo writes the top ten and one CSV per country, and mails them', async () => {
    const db = new Database(join(sb.inst.root, 'modules/GeoTrack/geotrack.db'));
    db.exec("DELETE FROM geocount; INSERT INTO geocount VALUES ('CN','WatchLG',7,'2026-11-01 10:00:00'),('CN','WatchMX',3,'2026-11-02 10:00:00'),('RU','WatchLG',4,'2026-11-01 11:00:00')");
    db.close();
    const smtp = await startSmtp(sb.ns);
    try {
      sb.writeConf(`REPORTMAIL=admin@example.org\nSMTP_HOST=127.0.0.1\nSMTP_PORT=${smtp.port}`);
      const r = await sb.run('modules/GeoTrack/Stat');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^StatGeo: \d+ countries in \d+ files in .*modules\/GeoTrack, mailed to admin@example.org via SMTP 127.0.0.1:\d+/);
      const top = sb.read(join(sb.inst.root, 'modules/GeoTrack/Statistics-Geo_top10.csv')).split('\n');
      expect(top.slice(0, 3)).toEqual(['rank,country,count,lasttime,networks', expect.stringMatching(/^1,CN,10,2026-11-02 10:00:00,\d+$/), expect.stringMatching(/^2,RU,4,2026-11-01 11:00:00,\d+$/)]);
      expect(sb.read(join(sb.inst.root, 'modules/GeoTrack/Statistics-Geo_CN.csv'))).toMatch(/^origin,count,lasttime\nWatchLG,7,2026-11-01 10:00:00\nWatchMX,3,2026-11-02 10:00:00\n\nroute,ip,origin,regdate,provider\n/);
      const msg = await sb.waitFor('the mail', () => smtp.messages()[0]);
      expect(msg).toMatch(/^Subject: Statistics-Geo \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/m);
      expect(msg).toMatch(/filename=Statistics-Geo_top10\.csv/);
      expect(msg).toMatch(/filename=Statistics-Geo_RU\.csv/);
    } finally { await smtp.stop(); sb.writeConf(); }
  });

  it('IPv6: the inet6num network goes into custody', async () => {
    await intoCustody('ZONES="nl"', '2001:67c:2e8::9', { route: '2001:67c:2e8::/48', country: 'NL' });
    await stopGeo();
    sb.writeConf();
  });

  it('the master does not start a GeoTrack its conf switches off, and starts it when enabled', async () => {
    sb.inst.write('watcher.conf', `MODULES="GeoTrack"\n${firewallLine(backend)}`);
    sb.inst.write('loader.conf', 'modules/GeoTrack/Load\n');
    sb.writeConf('ENABLED=');
    const off = await sb.run('master/watcher', ['start']);
    expect(off.exitCode, off.stderr).toBe(0);
    expect(off.stdout).not.toMatch(/GeoTrack not started/);
    expect(sb.statusOf('GeoTrack')).toBeUndefined();
    sb.writeConf();
    const on = await sb.run('master/watcher', ['start']);
    expect(on.exitCode, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/Installed modules: GeoTrack/);
    await sb.waitFor('GeoTrack runs', () => sb.statusOf('GeoTrack'));
    expect((await sb.run('master/watcher', ['stop'])).exitCode).toBe(0);
  });
});
