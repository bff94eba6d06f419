// The operator's views on a prepared installation, for real in a network namespace: bin/Bandits
// (the blocked and the watched, one address explained) and bin/Watcher-Report. Two module
// databases, a dynloader's and a geo Loadfile, a whitelist, all loaded by FillFW.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime } from '../../master/lib/core/clock.js';
import { makeModuleSandbox, type ModuleSandbox } from '../helpers/sandbox.js';
import { startSmtp } from '../helpers/smtp.js';
import { BACKENDS, firewallLine } from '../helpers/backends.js';

const COLS = 'address, class, host, affairs, status, rule, modclass, first_seen, last_seen, drop_time, origin, dropped_by';

describe.each(BACKENDS)('Bandits and Watcher-Report (%s)', (backend) => {
  let sb: ModuleSandbox;
  let recent: string;
  let tarpitEnd: string;
  const row = (module: string, values: unknown[]) => {
    const db = new Database(join(sb.inst.root, `modules/${module}/${module}.db`));
    try { db.prepare(`INSERT INTO bandits (${COLS}) VALUES (${COLS.split(',').map(() => '?').join(',')})`).run(...values); } finally { db.close(); }
  };

  beforeAll(async () => {
    sb = await makeModuleSandbox(['WatchLG', 'WatchMX'], 'TRACE=\nGEOTRACK=', { dns: false, backend });
    sb.inst.write('watcher.conf', `MODULES=WatchLG\n${firewallLine(backend)}MAX_AFFAIRS=5\n`);
    for (const m of ['WatchLG', 'WatchMX']) expect((await sb.run(`modules/${m}/Prep`)).exitCode).toBe(0);
    const now = Date.now();
    recent = formatDateTime(now - 60_000);
    tarpitEnd = formatDateTime(new Date(recent.replace(' ', 'T')).getTime() + 240_000);
    row('WatchLG', ['203.0.113.5', 'NXDOMAIN', null, 5, 'DROP', 'root-login', null, '2026-11-01 10:00:00', '2026-11-01 10:05:00', '2026-11-01 10:05:00', 'WatchLG', 'WatchLG']);
    row('WatchLG', ['203.0.113.17', 'UNRESOLVED', null, 2, 'TARPIT', 'invalid-user', null, recent, recent, null, 'WatchLG', null]);
    row('WatchLG', ['203.0.113.99', 'TRUEHOST', 'scan.example.test', 1, 'INITIAL', 'preauth-closed', null, '2026-11-02 08:00:00', '2026-11-02 08:00:00', null, 'WatchLG', null]);
    row('WatchMX', ['198.51.100.23', 'TRUEHOST', 'mail.example.test', 5, 'DROP', 'sasl-login', 'Breaker', '2026-11-03 12:00:00', '2026-11-03 12:30:00', '2026-11-03 12:30:00', 'WatchMX', 'WatchMB']);
    row('WatchLG', ['192.0.2.66', 'FAKEHOST', '\x1b]0;owned\x07evil.example.test', 1, 'INITIAL', 'invalid-user', null, '2026-11-02 08:00:00', '2026-11-02 08:00:00', null, 'WatchLG', null]);
    row('WatchMX', ['203.0.113.5', 'NXDOMAIN', null, 4, 'INITIAL', 'NXdomain', null, '2026-11-01 09:00:00', '2026-11-01 09:00:00', null, 'WatchMX', null]);
    expect((await sb.run('modules/WatchLG/Load')).exitCode).toBe(0);
    expect((await sb.run('modules/WatchMX/Load')).exitCode).toBe(0);
    sb.inst.write('Loadfiles/Loadfile-nixspam', '# nixspam\nadd nixspam 192.0.2.0/28\nadd nixspam 203.0.113.0/24\nadd nixspam 300.1.1.1\nadd nixspam 198.51.100.5\nadd nixspam 2001:db8:66::/48\n');
    sb.inst.write('Loadfiles/Loadfile-geo', 'add geo-cn 198.18.0.0/15\nadd geo-cn 100.64.0.0/10\nadd geo-kp 175.45.176.0/22\n');
    sb.inst.write('whitelist', '# home\n198.51.100.0/28\n192.0.2.8\n');
    const hours = Date.now() / 1000 - 2 * 3600 - 30;
    utimesSync(join(sb.inst.root, 'Loadfiles/Loadfile-nixspam'), hours, hours);
    const f = await sb.run('master/FillFW');
    expect(f.exitCode, f.stderr).toBe(0);
    sb.inst.write('Loadfiles/Loadfile-late', 'add late 192.0.2.200\n');
  });
  afterAll(async () => { await sb?.close(); });

  const HEAD = 'ADDRESS        SET      SOURCE                  AFFAIRS  CLASS       FIRST SEEN           LAST SEEN            DROPPED              UNTIL';
  const lines = () => ({
    mb: '198.51.100.23  custody  WatchMB sasl-login      5/5      TRUEHOST    2026-11-03 12:00:00  2026-11-03 12:30:00  2026-11-03 12:30:00  Expire after 2026-12-03 12:30:00',
    lg5: '203.0.113.5    custody  WatchLG root-login      5/5      NXDOMAIN    2026-11-01 10:00:00  2026-11-01 10:05:00  2026-11-01 10:05:00  Expire after 2026-12-01 10:05:00',
    mx5: '203.0.113.5    custody  WatchMX NXdomain        4/5      NXDOMAIN    2026-11-01 09:00:00  2026-11-01 09:00:00  -                    Expire after 2026-12-01 09:00:00',
    lg17: `203.0.113.17   tarpit   WatchLG invalid-user    2/5      UNRESOLVED  ${recent}  ${recent}  -                    tarpit until ${tarpitEnd}`,
    evil: '192.0.2.66     -        WatchLG invalid-user    1/5      FAKEHOST    2026-11-02 08:00:00  2026-11-02 08:00:00  -                    Expire after 2026-12-02 08:00:00',
    lg99: '203.0.113.99   -        WatchLG preauth-closed  1/5      TRUEHOST    2026-11-02 08:00:00  2026-11-02 08:00:00  -                    Expire after 2026-12-02 08:00:00',
  });

  it('Bandits: every entry of custody and tarpit and every database row, with source, affairs, class, times and end', async () => {
    const r = await sb.run('bin/Bandits');
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const l = lines();
    expect(r.stdout).toBe([HEAD, l.evil, l.mb, l.lg5, l.mx5, l.lg17, l.lg99, '6 lines: 3 in custody, 1 in tarpit, 2 watched (a database row, in no set)'].join('\n'));
  });

  it('Bandits filters by module (the dropping one too), network and set; --json', async () => {
    const mb = await sb.run('bin/Bandits', ['--module', 'WatchMB']);
    expect(mb.stdout).toBe([
      'ADDRESS        SET      SOURCE              AFFAIRS  CLASS     FIRST SEEN           LAST SEEN            DROPPED              UNTIL',
      '198.51.100.23  custody  WatchMB sasl-login  5/5      TRUEHOST  2026-11-03 12:00:00  2026-11-03 12:30:00  2026-11-03 12:30:00  Expire after 2026-12-03 12:30:00',
      '1 lines: 1 in custody'].join('\n'));
    const net = await sb.run('bin/Bandits', ['203.0.113.0/24']);
    const l = lines();
    expect(net.stdout.split('\n').slice(1)).toEqual([l.lg5, l.mx5, l.lg17, l.lg99, '4 lines: 2 in custody, 1 in tarpit, 1 watched (a database row, in no set)'].map((x) => x.replace(/^(\S+) +/, (m, a: string) => (a === '4' ? '4 ' : `${a.padEnd(12)}  `))));
    const set = await sb.run('bin/Bandits', ['--set', 'nixspam']);
    expect(set.stdout).toBe([
      'ADDRESS           SET      SOURCE                                  AFFAIRS  CLASS  FIRST SEEN  LAST SEEN  DROPPED  UNTIL',
      '192.0.2.0/28      nixspam  dynloader nixspam (Loadfile-nixspam:2)  -        -      -           -          -        -',
      '203.0.113.0/24    nixspam  dynloader nixspam (Loadfile-nixspam:3)  -        -      -           -          -        -',
      '2001:db8:66::/48  nixspam  dynloader nixspam (Loadfile-nixspam:6)  -        -      -           -          -        -',
      '3 lines: 3 in nixspam'].join('\n'));
    const typo = await sb.run('bin/Bandits', ['--set', 'nixpsam']);
    expect([typo.exitCode, typo.stderr]).toEqual([64, 'Bandits: --set "nixpsam": no such Watcher set (whitelist, blacklist, hijackers, custody, tarpit, geo-cn, geo-kp, nixspam)']);
    const j = JSON.parse((await sb.run('bin/Bandits', ['--json'])).stdout);
    expect(j).toHaveLength(6);
    expect(j[4]).toEqual({ address: '203.0.113.17', sets: ['tarpit'], source: 'WatchLG invalid-user', module: 'WatchLG', rule: 'invalid-user', affairs: 2, maxAffairs: 5,
      class: 'UNRESOLVED', host: null, status: 'TARPIT', firstSeen: recent, lastSeen: recent, dropped: null, until: { kind: 'tarpit', at: tarpitEnd } });
    const bad = await sb.run('bin/Bandits', ['203.0.113.300']);
    expect([bad.exitCode, bad.stderr]).toEqual([64, 'Bandits: not an address or network: "203.0.113.300"']);
    const badm = await sb.run('bin/Bandits', ['--module', 'WatchLg']);
    expect(badm.exitCode).toBe(64);
    expect(badm.stderr).toMatch(/^Bandits: --module "WatchLg": no such module \(.*WatchLG.*\)$/);
  });

  it('Bandits ADDR explains one address: sets with their Loadfile lines, every database, what spares it', async () => {
    const a = await sb.run('bin/Bandits', ['203.0.113.5']);
    expect(a.stdout).toBe([
      '203.0.113.5: blocked (custody, nixspam)',
      '  set custody: 203.0.113.5 (Loadfile-WatchLG:3)',
      '  set nixspam: 203.0.113.0/24 covers it (Loadfile-nixspam:3)',
      '  WatchLG.db: DROP, 5/5 affairs, rule root-login, NXDOMAIN, introduced by WatchLG, first seen 2026-11-01 10:00:00, last seen 2026-11-01 10:05:00, dropped 2026-11-01 10:05:00 by WatchLG; Expire lifts it after 2026-12-01 10:05:00 (EXPIRATIONDAYS=30)',
      '  WatchMX.db: INITIAL, 4/5 affairs, rule NXdomain, NXDOMAIN, introduced by WatchMX, first seen 2026-11-01 09:00:00, last seen 2026-11-01 09:00:00; Expire lifts it after 2026-12-01 09:00:00 (EXPIRATIONDAYS=30)',
      "  spared: no (not in the whitelist, not MyRouter's, not this machine's)"].join('\n'));
    const w = await sb.run('bin/Bandits', ['192.0.2.8']);
    expect(w.stdout).toBe([
      "192.0.2.8: spared (the whitelist's ACCEPT comes before nixspam)",
      '  set whitelist: 192.0.2.8 (whitelist:3)',
      '  set nixspam: 192.0.2.0/28 covers it (Loadfile-nixspam:2)',
      '  WatchLG.db: no row',
      '  WatchMX.db: no row',
      '  spared: whitelist file: 192.0.2.8 (whitelist:3)'].join('\n'));
    const lo = await sb.run('bin/Bandits', ['127.0.0.1']);
    expect(lo.stdout).toBe('127.0.0.1: spared (never blocked)\n  WatchLG.db: no row\n  WatchMX.db: no row\n  spared: loopback');
    const none = await sb.run('bin/Bandits', ['192.0.2.7']);
    expect(none.stdout.split('\n')[0]).toBe('192.0.2.7: blocked (nixspam)');
    const unknown = await sb.run('bin/Bandits', ['2001:db8::77']);
    expect(unknown.stdout.split('\n')[0]).toBe('2001:db8::77: unknown to Watcher: in no set and no database');
    const six = await sb.run('bin/Bandits', ['2001:db8:66::1']);
    expect(six.stdout).toBe(['2001:db8:66::1: blocked (nixspam)', '  set nixspam: 2001:db8:66::/48 covers it (Loadfile-nixspam:6)', '  WatchLG.db: no row', '  WatchMX.db: no row',
      "  spared: no (not in the whitelist, not MyRouter's, not this machine's)"].join('\n'));
    // A PTR name is the attacker's text: an escape sequence in it never reaches the terminal.
    const evil = await sb.run('bin/Bandits', ['192.0.2.66']);
    expect(evil.stdout).toContain('  WatchLG.db: INITIAL, 1/5 affairs, rule invalid-user, FAKEHOST \\x1b]0;owned\\x07evil.example.test, introduced by WatchLG');
    expect(evil.stdout).not.toContain('\x1b');
    const j = JSON.parse((await sb.run('bin/Bandits', ['--json', '203.0.113.99'])).stdout);
    expect(j).toMatchObject({ address: '203.0.113.99', verdict: 'blocked (nixspam)', sets: [{ set: 'nixspam', entry: '203.0.113.0/24', covers: true, from: ['Loadfile-nixspam:3'] }], spared: [], rows: [{ module: 'WatchLG', affairs: 1, host: 'scan.example.test' }] });
  });

  it('Watcher-Report: the seeds\' header and DROPs contributed per geo zone and dynloader, modules, sets, Loadfiles', async () => {
    const r = await sb.run('bin/Watcher-Report');
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/^Watcher-Report ======\[ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \]======$/);
    const today = out[0].slice(23, 33) === recent.slice(0, 10) ? 1 : 0;
    expect(out.slice(1).join('\n').replace(/\d+ s old +/g, 'N s old   ')).toBe(`
Geo blockings ...
DROPs contributed by ipdeny, geo-cn : 2
DROPs contributed by ipdeny, geo-kp : 1
               Total geo blockings: » 3

Dynloader blockings ...
DROPs contributed by late, late : 0
DROPs contributed by nixspam, nixspam : 3
         Total dynloader blockings: » 3

Modules ...
WatchLG: not running
  WatchLG.db: 4 addresses (2 INITIAL, 1 TARPIT, 1 DROP); today ${today} introduced, 0 dropped
WatchMX: not running
  WatchMX.db: 2 addresses (1 INITIAL, 0 TARPIT, 1 DROP); today 0 introduced, 0 dropped

Sets ...
  whitelist                2
  blacklist                0
  hijackers                0
  custody                  2
  tarpit                   1
  geo-cn                   2
  geo-kp                   1
  nixspam                  3

Loadfiles ...
  Loadfile-WatchLG         2 lines  N s old   loaded into tarpit, custody: 2 entries
  Loadfile-WatchMX         1 lines  N s old   loaded into custody: 1 entry
  Loadfile-geo             3 lines  N s old   loaded into geo-cn, geo-kp: 3 entries
  Loadfile-late            1 lines  N s old   not loaded yet (watcher reload loads it)
  Loadfile-nixspam         5 lines  2 h 0 min old   loaded into nixspam: 3 entries, 1 line refused (see FillFW's output), 1 spared (whitelisted)`);
    const j = JSON.parse((await sb.run('bin/Watcher-Report', ['--json'])).stdout);
    expect(j.geo).toEqual([{ source: 'geo', set: 'geo-cn', drops: 2 }, { source: 'geo', set: 'geo-kp', drops: 1 }]);
    expect(j.modules[0]).toMatchObject({ module: 'WatchLG', database: 'WatchLG.db', addresses: 4, drop: 1 });
    const m = await sb.run('bin/Watcher-Report', ['--mail']);
    expect([m.exitCode, m.stderr]).toEqual([78, 'Watcher-Report: --mail: REPORTMAIL is empty in watcher.conf: nobody to send the report to']);
  });

  it('Watcher-Report --mail sends the text to REPORTMAIL through a real SMTP server; one that refuses is exit 69', async () => {
    const smtp = await startSmtp(sb.ns);
    try {
      sb.inst.write('watcher.conf', `MODULES=WatchLG\n${firewallLine(backend)}REPORTMAIL=root@example.test\nMAIL_FROM=watcher@example.test\nSMTP_HOST=127.0.0.1\nSMTP_PORT=${smtp.port}\n`);
      const r = await sb.run('bin/Watcher-Report', ['--mail']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Watcher-Report mailed to root@example.test through SMTP 127\\.0\\.0\\.1:${smtp.port} \\(`));
      const [m] = smtp.messages();
      expect(m).toMatch(/^Subject: Watcher-Report \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
      expect(m).toMatch(/^To: root@example.test$/m);
      expect(m).toContain('DROPs contributed by nixspam, nixspam : 3');
    } finally { await smtp.stop(); }
    sb.inst.write('watcher.conf', `MODULES=WatchLG\n${firewallLine(backend)}REPORTMAIL=root@example.test\nSMTP_HOST=127.0.0.1\nSMTP_PORT=1\n`);
    const down = await sb.run('bin/Watcher-Report', ['--mail']);
    expect(down.exitCode).toBe(69);
    expect(down.stderr).toMatch(/^Watcher-Report: mail not sent: SMTP server 127\.0\.0\.1:1: /);
  });
});
