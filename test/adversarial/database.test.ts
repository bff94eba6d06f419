// The module and its database under trouble, with real processes: a WatchLG of a throwaway
// installation started by master/watcher in a network namespace, the sqlite3 shell holding the
// write lock, chattr and rm on the real -shm file. What an administrator would check: the kernel
// sets, the database rows, the status file, `watcher status`, the log and the held file.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { lockDatabase, type DbLock } from '../helpers/dblock.js';
import { isAlive } from '../../master/lib/core/pidfile.js';
import { requireTools } from '../helpers/netns.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS } from '../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';
/** n distinct attackers in 10.<net>.0.0/16. */
const attackers = (net: number, n: number, from = 0): string[] => Array.from({ length: n }, (_, k) => `10.${net}.${(k + from + 1) >> 8}.${(k + from + 1) & 255}`);
// A try (Failed password): counted at once, each line one affair (Affair=try).
const invalid = (addr: string): string => `${H} sshd[9]: Failed password for invalid user x from ${addr} port 22 ssh2`;
const CONF = 'TRACE=\nGEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60';

describe.each(BACKENDS)('WatchLG while its database refuses writes or its -shm file goes bad (%s)', (backend) => {
  let sb: Sandbox;
  const db = (): string => join(sb.inst.root, 'modules/WatchLG/WatchLG.db');
  const heldFile = (): string => join(sb.inst.root, 'modules/WatchLG/WatchLG.held');
  const pid = (): number => Number(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8'));
  /** Lines into the FIFO off the event loop: a module that died (no reader) fails the test by its deadlines, it does not hang it. */
  const feed = (lines: string[]): void => { void appendFile(sb.fifo, lines.map((l) => `${l}\n`).join('')); };
  const locks: DbLock[] = [];
  /** The sqlite3 shell holds the write lock until release() (or the end of the test). */
  const lock = async (): Promise<DbLock> => { const l = await lockDatabase(db()); locks.push(l); return l; };
  /** Kernel tarpit entries of 10.<net>.0.0/16, address -> timeout. */
  const tarpit = async (net: number): Promise<Map<string, number>> => new Map([...(await sb.members('tarpit'))].filter(([a]) => a.startsWith(`10.${net}.`)));
  /** Rows of 10.<net>.0.0/16 by affairs: { affairs: rows }. */
  const rows = (net: number): Record<number, number> => sb.withDb('WatchLG', (d) => Object.fromEntries(
    (d.prepare('SELECT affairs, count(*) AS n FROM bandits WHERE address LIKE ? GROUP BY affairs').all(`10.${net}.%`) as { affairs: number; n: number }[]).map((r) => [r.affairs, r.n])));
  const restart = async (conf: string): Promise<void> => {
    await sb.run('master/watcher', ['stop']);
    sb.inst.write('modules/WatchLG/WatchLG.conf', `DNS_SERVER=off\n${conf}\n`);
    rmSync(join(sb.inst.runDir, 'WatchLG.status'), { force: true });
    await startService(sb, 'WatchLG');
  };

  beforeAll(async () => {
    requireTools(['sqlite3', 'chattr', 'lsattr']);
    sb = await makeSandbox(CONF, { dns: false, backend });
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=5\n' });
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterEach(async () => {
    for (const l of locks.splice(0)) if (l.proc.exitCode === null) await l.release();
  });
  afterAll(async () => {
    if (sb) await execa('chattr', ['-i', `${db()}-shm`], { reject: false });
    await closeService(sb);
  });

  it('tarpits 10,000 attackers in the kernel while the database is locked for 10 s, shows the backlog, and writes the rows right after', async () => {
    const held = await lock();
    const locked = Date.now();
    const addrs = attackers(61, 10_000);
    feed([...addrs.map(invalid), ...addrs.slice(0, 100).map(invalid)]);
    // During the lock: every attacker is in the kernel set, the second affair longer.
    const during = await sb.waitFor('10,000 tarpit entries during the lock', async () => { const t = await tarpit(61); return t.size === 10_000 && t; }, 30_000);
    expect(during.get(addrs[0])).toBeGreaterThan(200);
    expect(during.get(addrs[0])).toBeLessThanOrEqual(240);
    expect(during.get(addrs[5000])).toBeLessThanOrEqual(120);
    const st = await sb.waitFor('the backlog in the status file', () => { const s = sb.status(); return s?.unwritten === 10_100 && s; });
    expect(st).toMatchObject({ injected: 10_100, tarpitted: 10_100, unwrittenLost: 0, dbProblem: 'database is locked' });
    expect(Date.parse(st.dbRefusingSince as string)).toBeGreaterThanOrEqual(locked - 1000);
    const status = await sb.run('master/watcher', ['status']);
    expect(status.stdout).toMatch(/WatchLG\s+running, pid \d+ .*injected 10100, tarpitted 10100, dropped 0 \(status \d+ s old\); database refuses writes since \S+ \(database is locked\): 10100 affairs held/);
    expect(rows(61)).toEqual({});
    expect(held.proc.exitCode).toBeNull();
    // The lock is held 10 s in all.
    await new Promise((r) => setTimeout(r, Math.max(0, locked + 10_000 - Date.now())));
    await held.release();
    await sb.waitFor('the held affairs in the database', () => sb.status()?.unwritten === 0 && sb.status()?.dbRefusingSince === null, 30_000);
    expect(rows(61)).toEqual({ 1: 9_900, 2: 100 });
    expect(sb.row(addrs[0])).toMatchObject({ affairs: 2, status: 'TARPIT', rule: 'failed-password' });
    expect(sb.log()).toMatch(/database refused \d+ affairs \(database is locked\): kept, writing again; meanwhile tarpit and custody are fed from memory/);
    expect(sb.log()).toMatch(/database took the 10100 kept affairs after refusing writes for \d+ s\n/);
    expect((await sb.run('master/watcher', ['status'])).stdout).not.toMatch(/database/);
    // Written late, the entries are not shortened.
    const after = await tarpit(61);
    expect(after.size).toBe(10_000);
    expect(after.get(addrs[0])).toBeGreaterThan(180);
  }, 120_000);

  it('stopped while the database is locked, loses nothing: within STOP_GRACE the unwritten affairs go to a 0600 held file that the next start writes', async () => {
    const held = await lock();
    const addrs = attackers(62, 10_000);
    feed(addrs.map(invalid));
    await sb.waitFor('10,000 affairs held', () => sb.status()?.unwritten === 10_000, 30_000);
    const before = pid();
    const t0 = Date.now();
    const stop = await sb.run('master/watcher', ['stop']);
    expect(stop.stdout).toContain('Stopping module WatchLG ...');
    expect(stop.stdout).not.toContain('killed');
    expect(isAlive(before)).toBe(false);
    expect(sb.log()).toContain(`10000 affairs not written (database is locked): kept in ${heldFile()}, the next start writes them`);
    expect(sb.log()).toMatch(new RegExp(`stopped \\(SIGTERM\\): .*, 10000 kept in ${heldFile().replaceAll('.', '\\.')}`));
    expect(statSync(heldFile()).mode & 0o777).toBe(0o600);
    const lines = readFileSync(heldFile(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { address: string; rule: string; at: number });
    expect(lines.map((l) => l.address)).toEqual(addrs);
    expect(lines.every((l) => l.rule === 'failed-password' && l.at <= t0)).toBe(true);
    await held.release();
    expect(rows(62)).toEqual({});
    rmSync(join(sb.inst.runDir, 'WatchLG.status'), { force: true });
    await startService(sb, 'WatchLG');
    await sb.waitFor('the held file written and removed', () => !existsSync(heldFile()), 30_000);
    expect(rows(62)).toEqual({ 1: 10_000 });
    // Each row keeps the time its line was read, not the time it was written.
    expect(Date.parse(String(sb.row(addrs[0])!.last_seen).replace(' ', 'T'))).toBeLessThanOrEqual(t0);
    await sb.waitFor('the replay in the log', () => sb.log().includes(`the 10000 affairs of ${heldFile()} are written; file removed`));
    expect(sb.log()).toContain(`replaying 10000 affairs an earlier stop could not write (${heldFile()})`);
    expect((await tarpit(62)).size).toBe(10_000);
  }, 120_000);

  it('holds at most MAX_HELD_AFFAIRS: beyond it attackers are still tarpitted, the loss is counted, logged once and shown', async () => {
    await restart(`${CONF}\nMAX_HELD_AFFAIRS=2000`);
    const held = await lock();
    const addrs = attackers(63, 10_000);
    feed(addrs.map(invalid));
    await sb.waitFor('10,000 tarpit entries', async () => (await tarpit(63)).size === 10_000, 30_000);
    const st = await sb.waitFor('the bound in the status file', () => { const s = sb.status(); return s?.unwritten === 2000 && s?.unwrittenLost === 8000 && s; });
    expect(st).toMatchObject({ injected: 10_000, tarpitted: 10_000 });
    expect((await sb.run('master/watcher', ['status'])).stdout).toMatch(/database refuses writes since \S+ \(database is locked\): 2000 affairs held, 8000 lost \(over MAX_HELD_AFFAIRS\)/);
    expect(sb.log().match(/MAX_HELD_AFFAIRS/g)).toHaveLength(1);
    await held.release();
    await sb.waitFor('the held affairs written', () => sb.status()?.dbRefusingSince === null, 30_000);
    expect(rows(63)).toEqual({ 1: 2000 });
    expect(sb.withDb('WatchLG', (d) => d.prepare('SELECT count(*) AS n FROM bandits WHERE address IN (?, ?)').get(addrs[1999], addrs[2000]))).toEqual({ n: 1 });
    expect(sb.log()).toContain('database took the 2000 kept affairs after refusing writes for');
    expect(sb.log()).toContain('; 8000 affairs beyond MAX_HELD_AFFAIRS=2000 were lost for it (the firewall had them)');
    expect((await sb.run('master/watcher', ['status'])).stdout).toMatch(/; database: 0 affairs held, 8000 lost \(over MAX_HELD_AFFAIRS\)/);
    await restart(CONF);
  }, 120_000);

  it('survives an immutable -shm file (chattr +i): says so, keeps tarpitting from memory, writes once it is writable again', async () => {
    const shm = `${db()}-shm`;
    feed([invalid('10.64.0.1')]);
    await sb.waitFor('a row', () => sb.row('10.64.0.1'));
    const p = pid();
    try {
      expect((await execa('chattr', ['+i', shm], { reject: false })).exitCode).toBe(0);
      expect((await execa('lsattr', [shm])).stdout).toMatch(/^\S*i\S* /);
      // Written back, the mapped pages are clean: the next write to them faults.
      await execa('sync');
      await sb.waitFor('the problem in the log', () => sb.log().includes('(WatchLG.db-shm is not writable (EPERM: immutable? lsattr, chattr -i)): affairs are kept'));
      const addrs = attackers(64, 50, 1);
      for (const a of addrs) { feed([invalid(a)]); await new Promise((r) => setTimeout(r, 20)); }
      await execa('sync');
      feed([invalid('10.64.1.1')]);
      await sb.waitFor('51 tarpit entries from memory (or the module gone)', async () => !isAlive(p) || (await tarpit(64)).size === 52);
      expect(isAlive(p), 'WatchLG died (SIGBUS on the -shm mapping?)').toBe(true);
      await sb.waitFor('51 affairs held', () => sb.status()?.unwritten === 51);
      expect(isAlive(p)).toBe(true);
      expect(sb.status()).toMatchObject({ pid: p, dbProblem: 'WatchLG.db-shm is not writable (EPERM: immutable? lsattr, chattr -i)' });
      expect(rows(64)).toEqual({ 1: 1 });
    } finally {
      await execa('chattr', ['-i', shm], { reject: false });
    }
    await sb.waitFor('the held affairs written', () => sb.status()?.unwritten === 0 && sb.status()?.dbProblem === null, 15_000);
    expect(sb.log()).toContain('[database] WatchLG.db-shm is usable again: database opened again');
    expect(rows(64)).toEqual({ 1: 52 });
    expect(sb.status()!.pid).toBe(p);
    expect((await execa('sqlite3', [db(), 'PRAGMA integrity_check'])).stdout).toBe('ok');
  }, 60_000);

  it('survives its -shm file removed under it: opens the database again at once and goes on writing', async () => {
    const shm = `${db()}-shm`;
    const p = pid();
    expect(existsSync(shm)).toBe(true);
    rmSync(shm);
    await sb.waitFor('the database opened again', () => sb.log().includes('[database] WatchLG.db-shm vanished under the open database: database opened again'));
    const addrs = attackers(65, 50);
    feed(addrs.map(invalid));
    await sb.waitFor('50 rows', () => rows(65)[1] === 50);
    // Another process writes beside it through the same new -shm file.
    const inj = await sb.run('modules/WatchLG/LGinjector', ['10.65.9.9', '2']);
    expect(inj.exitCode, inj.stderr).toBe(0);
    feed([invalid('10.65.9.9')]);
    await sb.waitFor('the third affair', () => sb.row('10.65.9.9')?.affairs === 3);
    expect((await tarpit(65)).size).toBe(51);
    expect(existsSync(shm)).toBe(true);
    expect(isAlive(p)).toBe(true);
    expect((await execa('sqlite3', [db(), 'PRAGMA integrity_check'])).stdout).toBe('ok');
  }, 60_000);
});
