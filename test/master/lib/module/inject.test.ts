// The affairs ladder and the injector against a real SQLite database; the firewall channel is
// a recorder here (the real one is exercised in test/modules/WatchLG).
import { mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { countAffair, initialAffairs, tarpitSeconds } from '../../../../master/lib/module/affairs.js';
import { openDatabase, BanditStore, SCANNER_BUSY_MS } from '../../../../master/lib/module/db.js';
import { execa } from 'execa';
import { lockDatabase } from '../../../helpers/dblock.js';
import { Injector } from '../../../../master/lib/module/inject.js';
import { DnsClassifier } from '../../../../master/lib/net/dns.js';
import { newCounters } from '../../../../master/lib/core/status.js';
import { REPO } from '../../../helpers/install.js';

const conf = { MAX_AFFAIRS: 5, TIME_SLICE: 60 };
const SCHEMA = join(REPO, 'modules/WatchLG/Schema');

describe('affairs ladder', () => {
  it('presets NXDOMAIN and FAKEHOST to MAX_AFFAIRS-1 whatever the penalty; others start at the penalty', () => {
    expect(initialAffairs('TRUEHOST', undefined, conf)).toBe(1);
    expect(initialAffairs('TRUEHOST', 4, conf)).toBe(4);
    expect(initialAffairs('UNRESOLVED', 2, conf)).toBe(2);
    expect(initialAffairs('NXDOMAIN', 1, conf)).toBe(4);
    expect(initialAffairs('FAKEHOST', undefined, conf)).toBe(4);
    expect(initialAffairs('TRUEHOST', 9, conf)).toBe(5);
  });

  it('tarpits for 2^affairs * TIME_SLICE (the 1.4 notes\' table)', () => {
    expect([1, 2, 3, 4, 5].map((a) => tarpitSeconds(a, 60))).toEqual([120, 240, 480, 960, 1920]);
    expect([1, 2, 3, 4, 5].map((a) => tarpitSeconds(a, 600))).toEqual([1200, 2400, 4800, 9600, 19200]);
    expect(tarpitSeconds(29, 60)).toBe(2_147_483); // the kernel's longest timeout
  });

  it('walks INITIAL -> TARPIT -> DROP and stays DROP', () => {
    const a = { address: '192.0.2.1', rule: 'r', now: '2026-01-01 00:00:00', origin: 'WatchLG' };
    let r = countAffair(undefined, { ...a, penalty: 3 }, { class: 'TRUEHOST', host: 'h' }, conf);
    expect(r).toMatchObject({ initial: true, measure: { kind: 'tarpit', timeout: 480 }, row: { affairs: 3, status: 'INITIAL', host: 'h' } });
    r = countAffair(r.row, { ...a, now: '2026-01-01 00:01:00' }, { class: 'TRUEHOST' }, conf);
    expect(r).toMatchObject({ initial: false, measure: { kind: 'tarpit', timeout: 960 }, row: { affairs: 4, status: 'TARPIT', first_seen: '2026-01-01 00:00:00' } });
    r = countAffair(r.row, { ...a, now: '2026-01-01 00:02:00' }, { class: 'TRUEHOST' }, conf);
    expect(r).toMatchObject({ measure: { kind: 'drop', fresh: true }, row: { affairs: 5, status: 'DROP', drop_time: '2026-01-01 00:02:00' } });
    r = countAffair(r.row, { ...a, now: '2026-01-01 00:03:00' }, { class: 'TRUEHOST' }, conf);
    expect(r).toMatchObject({ measure: { kind: 'drop', fresh: false }, row: { affairs: 5, status: 'DROP', drop_time: '2026-01-01 00:02:00', last_seen: '2026-01-01 00:03:00' } });
  });
});

describe('Injector', () => {
  function setup(busyMs?: number, maxHeld?: number) {
    const path = join(mkdtempSync(join(tmpdir(), 'inj-')), 'WatchLG.db');
    const db = openDatabase(path, SCHEMA, { busyMs });
    const ops: string[] = [];
    const counters = newCounters();
    const trace: string[] = [];
    const log: string[] = [];
    const fw = { add: (s: string, n: string, t?: number) => { ops.push(`add ${s} ${n}${t ? ` ${t}` : ''}`); }, del: (s: string, n: string) => { ops.push(`del ${s} ${n}`); }, sync: async () => {}, close: async () => {} };
    const injector = new Injector({
      store: new BanditStore(db), dns: new DnsClassifier({ DNS_SERVER: 'off', DNS_TIMEOUT: 1, DNS_CACHE_TTL: 0 }), fw,
      spare: (a) => a.startsWith('127.'), conf, origin: 'WatchMB', modClass: { label: 'MB-Class', value: 'Breaker' },
      counters, trace: { on: true, write: (m) => trace.push(m) }, log: { write: (m) => log.push(m) }, maxHeld,
    });
    return { path, db, ops, counters, trace, injector, log };
  }

  it('writes a chunk\'s affairs in order, with origin and module class, and feeds the firewall', () => {
    const { db, ops, counters, trace, injector, path } = setup();
    for (let i = 0; i < 5; i++) injector.submit({ address: '203.0.113.5', rule: 'SASL-login-failed', t0: 0 });
    injector.submit({ address: '127.0.0.1', rule: 'x', t0: 0 });
    injector.flush();
    expect(ops).toEqual([
      'add tarpit 203.0.113.5 120', 'add tarpit 203.0.113.5 240', 'add tarpit 203.0.113.5 480', 'add tarpit 203.0.113.5 960',
      'add custody 203.0.113.5', 'del tarpit 203.0.113.5',
    ]);
    expect(db.prepare('SELECT class, affairs, status, origin, modclass FROM bandits').all()).toEqual([{ class: 'UNRESOLVED', affairs: 5, status: 'DROP', origin: 'WatchMB', modclass: 'Breaker' }]);
    expect(counters).toMatchObject({ injected: 5, tarpitted: 4, dropped: 1, spared: 1 });
    expect(trace).toContain('[inject] UNRESOLVED 203.0.113.5 [DNS off], MB-Class: Breaker');
    expect(trace).toContain("[inject] UNRESOLVED 203.0.113.5 'Initial 1/5, tarpit 120 s'");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('lets a second process write the same database at once (WAL, busy timeout)', () => {
    const { path, injector } = setup();
    const other = openDatabase(path, SCHEMA);
    const store = new BanditStore(other);
    store.batch(() => store.insert({ address: '198.51.100.9', class: 'TRUEHOST', host: null, affairs: 2, status: 'TARPIT', rule: 'x', modclass: null, first_seen: '2026-01-01 00:00:00', last_seen: '2026-01-01 00:00:00', drop_time: null, origin: 'WatchMX' }));
    injector.submit({ address: '198.51.100.9', rule: 'y', t0: 0 });
    injector.flush();
    expect(other.prepare('SELECT affairs, status, origin FROM bandits WHERE address = ?').get('198.51.100.9')).toEqual({ affairs: 3, status: 'TARPIT', origin: 'WatchMX' });
  });

  it('protects from memory while the database refuses writes (locked by another process), and writes the held affairs in order once it takes them', async () => {
    const { path, db, ops, counters, injector, log } = setup(SCANNER_BUSY_MS);
    const lock = await lockDatabase(path);
    for (let i = 0; i < 3; i++) injector.submit({ address: '203.0.113.77', rule: 'r', t0: 0 });
    const t0 = Date.now();
    injector.flush();
    expect(Date.now() - t0).toBeLessThan(1000);
    // The firewall does not wait for the database: the ladder runs on memory's copy of the row.
    expect(counters).toMatchObject({ unwritten: 3, injected: 3, tarpitted: 3 });
    expect(counters.dbRefusingSince).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(counters.dbProblem).toBe('database is locked');
    expect(ops).toEqual(['add tarpit 203.0.113.77 120', 'add tarpit 203.0.113.77 240', 'add tarpit 203.0.113.77 480']);
    injector.submit({ address: '203.0.113.78', rule: 'r', t0: 0 });
    injector.flush();
    await new Promise((r) => setTimeout(r, 400));
    expect(counters.unwritten).toBe(4);
    expect(db.prepare('SELECT count(*) AS n FROM bandits').get()).toEqual({ n: 0 });
    await lock.release();
    await injector.settled();
    expect(db.prepare('SELECT address, affairs FROM bandits ORDER BY address').all()).toEqual([{ address: '203.0.113.77', affairs: 3 }, { address: '203.0.113.78', affairs: 1 }]);
    expect(counters).toMatchObject({ unwritten: 0, unwrittenLost: 0, injected: 4, dbRefusingSince: null, dbProblem: null });
    // Written late, nothing is applied twice.
    expect(ops).toEqual(['add tarpit 203.0.113.77 120', 'add tarpit 203.0.113.77 240', 'add tarpit 203.0.113.77 480', 'add tarpit 203.0.113.78 120']);
    expect(log.join('\n')).toMatch(/database refused 3 affairs \(database is locked\): kept, writing again[\s\S]*database took the 4 kept affairs after refusing writes for \d+ s$/);
  });

  it('counts a held affair from the row as it was read while locked, and adds what the database\'s row asks when it is written late', async () => {
    const { path, db, ops, counters, injector } = setup(SCANNER_BUSY_MS);
    const other = new BanditStore(openDatabase(path, SCHEMA));
    const row = { address: '198.51.100.20', class: 'TRUEHOST', host: null, affairs: 3, status: 'TARPIT' as const, rule: 'x', modclass: null, first_seen: '2026-01-01 00:00:00', last_seen: '2026-01-01 00:00:00', drop_time: null, origin: 'WatchMX' };
    other.batch(() => other.insert(row));
    const lock = await lockDatabase(path);
    injector.submit({ address: '198.51.100.20', rule: 'r', t0: 0 });
    injector.flush();
    // Read under the lock: 3 affairs -> 4.
    expect(ops).toEqual(['add tarpit 198.51.100.20 960']);
    await lock.release();
    // Another module counts the address before the held affair is written: the row goes to DROP.
    other.batch(() => other.update({ ...row, affairs: 4 }));
    await injector.settled();
    expect(db.prepare('SELECT affairs, status FROM bandits').get()).toEqual({ affairs: 5, status: 'DROP' });
    expect(ops).toEqual(['add tarpit 198.51.100.20 960', 'add custody 198.51.100.20', 'del tarpit 198.51.100.20']);
    expect(counters).toMatchObject({ injected: 1, tarpitted: 1, dropped: 1 });
    other.db.close();
  });

  it('holds at most maxHeld affairs; beyond that the firewall still hears of each, the database loses them (counted, one log line)', async () => {
    const { path, db, ops, counters, injector, log } = setup(SCANNER_BUSY_MS, 5);
    const lock = await lockDatabase(path);
    for (let i = 1; i <= 8; i++) injector.submit({ address: `192.0.2.${i}`, rule: 'r', t0: 0 });
    injector.submit({ address: '192.0.2.1', rule: 'r', t0: 0 });
    injector.flush();
    expect(ops.filter((o) => o.startsWith('add tarpit'))).toHaveLength(9);
    expect(ops).toContain('add tarpit 192.0.2.1 240'); // its row is in memory: the ladder goes on
    expect(counters).toMatchObject({ unwritten: 5, unwrittenLost: 4, injected: 9 });
    expect(log.filter((l) => l.includes('MAX_HELD_AFFAIRS'))).toHaveLength(1);
    await lock.release();
    await injector.settled();
    expect(db.prepare('SELECT address, affairs FROM bandits ORDER BY address').all()).toEqual([1, 2, 3, 4, 5].map((i) => ({ address: `192.0.2.${i}`, affairs: 1 })));
    expect(log.at(-1)).toMatch(/database took the 5 kept affairs after refusing writes for \d+ s; 4 affairs beyond MAX_HELD_AFFAIRS=5 were lost for it/);
  });

  it('stop() writes until its deadline, then hands back what is unwritten, oldest first, and arms nothing', async () => {
    const { path, db, counters, injector } = setup(SCANNER_BUSY_MS);
    const lock = await lockDatabase(path);
    for (const a of ['192.0.2.9', '192.0.2.8', '192.0.2.9']) injector.submit({ address: a, rule: 'r', penalty: 2, t0: 0, at: Date.parse('2026-03-01T10:00:00') });
    injector.flush();
    const t0 = performance.now();
    const left = await injector.stop(performance.now() + 700, 100);
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(650);
    expect(ms).toBeLessThan(2500);
    expect(left.map((l) => [l.address, l.rule, l.penalty, l.class, l.affairs, l.at])).toEqual([
      ['192.0.2.9', 'r', 2, 'UNRESOLVED', 2, Date.parse('2026-03-01T10:00:00')],
      ['192.0.2.8', 'r', 2, 'UNRESOLVED', 2, Date.parse('2026-03-01T10:00:00')],
      ['192.0.2.9', 'r', 2, 'UNRESOLVED', 3, Date.parse('2026-03-01T10:00:00')],
    ]);
    await lock.release();
    // Nothing was armed: nothing is written after the stop.
    await new Promise((r) => setTimeout(r, 2500));
    expect(db.prepare('SELECT count(*) AS n FROM bandits').get()).toEqual({ n: 0 });
    expect(counters.unwritten).toBe(3);
  });

  it('replays held affairs with their time and class; done once the database has them all', async () => {
    const { db, ops, injector } = setup(SCANNER_BUSY_MS);
    let done = 0;
    const at = Date.parse('2026-03-01T10:00:00');
    injector.replayHeld([
      { r: { address: '192.0.2.30', rule: 'r1', t0: 0, at }, c: { class: 'NXDOMAIN' } },
      { r: { address: '192.0.2.30', rule: 'r2', t0: 0, at: at + 60_000 } },
      { r: { address: '127.0.0.1', rule: 'r', t0: 0, at } },
    ], () => done++);
    await injector.settled();
    expect(done).toBe(1);
    expect(db.prepare('SELECT class, affairs, status, rule, first_seen, last_seen FROM bandits').all()).toEqual([
      { class: 'NXDOMAIN', affairs: 5, status: 'DROP', rule: 'r2', first_seen: '2026-03-01 10:00:00', last_seen: '2026-03-01 10:01:00' },
    ]);
    expect(ops).toEqual(['add tarpit 192.0.2.30 960', 'add custody 192.0.2.30', 'del tarpit 192.0.2.30']);
  });

  it('two OS processes writing the same rows at the same time lose no affair', async () => {
    const { path, db } = setup();
    const addresses = Array.from({ length: 50 }, (_, i) => `198.18.7.${i + 1}`);
    const fixture = join(REPO, 'test/fixtures/inject-burst.mjs');
    const lock = await lockDatabase(path);
    const procs = ['WatchMX', 'WatchMB'].map((origin) => execa(process.execPath, [fixture, path, SCHEMA, origin, '40', ...addresses], { reject: false, buffer: { stderr: true } }));
    const refused = procs.map(() => false);
    procs.forEach((p, i) => p.stderr!.on('data', (b: Buffer) => { if (b.toString().includes('database refused')) refused[i] = true; }));
    // Both hold affairs against the locked database (however slowly they start), then race each other.
    const end = Date.now() + 60_000;
    while (!refused.every(Boolean) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(refused).toEqual([true, true]);
    await lock.release();
    const rs = await Promise.all(procs);
    for (const r of rs) expect(r.exitCode, r.stderr).toBe(0);
    expect(rs.map((r) => JSON.parse(r.stdout).injected)).toEqual([2000, 2000]);
    const rows = db.prepare('SELECT affairs FROM bandits').all() as { affairs: number }[];
    expect(rows.length).toBe(50);
    expect(new Set(rows.map((r) => r.affairs))).toEqual(new Set([80]));
  }, 90_000);

  it('bounds DNS: at most 64 lookups at once, at most 10,000 addresses waiting; beyond that UNRESOLVED at once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'inj-')), 'WatchLG.db');
    const db = openDatabase(path, SCHEMA);
    const counters = newCounters();
    const answers: (() => void)[] = [];
    let running = 0, most = 0;
    // A resolver that answers only when told (the real one adds nothing to counting).
    const dns = {
      cached: () => undefined,
      classify: () => new Promise((res) => { running++; most = Math.max(most, running); answers.push(() => { running--; res({ class: 'NXDOMAIN' }); }); }),
    } as unknown as DnsClassifier;
    const trace: string[] = [];
    const injector = new Injector({ store: new BanditStore(db), dns, fw: { add: () => {}, del: () => {}, sync: async () => {}, close: async () => {} }, spare: () => false, conf, origin: 'WatchLG', counters, trace: { on: true, write: (m) => trace.push(m) }, log: { write: () => {} } });
    const addr = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < 10_100; i++) injector.submit({ address: addr(i), rule: 'r', t0: 0 });
    injector.flush();
    expect(most).toBe(64);
    expect(counters).toMatchObject({ pending: 10_000, injected: 100 });
    expect(trace.filter((t) => t.includes('[DNS backlog]'))).toHaveLength(100);
    while (answers.length) { answers.shift()!(); await new Promise((r) => setImmediate(r)); }
    await injector.settled();
    expect(most).toBe(64);
    expect(counters).toMatchObject({ pending: 0, injected: 10_100 });
    expect((db.prepare("SELECT count(*) AS n FROM bandits WHERE class = 'NXDOMAIN'").get() as { n: number }).n).toBe(10_000);
  }, 60_000);
});
