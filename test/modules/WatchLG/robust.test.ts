// WatchLG running for real under hostile conditions: SIGHUP while it starts, the whitelist
// guard through the live set, own interface addresses and loopback, bad input through the
// FIFO into the database, a database locked by another process, logrotate.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { lockDatabase } from '../../helpers/dblock.js';
import { requireTools } from '../../helpers/netns.js';
import { REPO } from '../../helpers/install.js';
import { BACKENDS, kernelAdd } from '../../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';
// A try (Failed password): it counts at once, whatever the session (Affair=try).
const invalid = (addr: string, user = 'x'): string => `${H} sshd[9]: Failed password for invalid user ${user} from ${addr} port 22 ssh2`;

describe.each(BACKENDS)('WatchLG under hostile conditions (%s)', (backend) => {
  let sb: Sandbox;
  let proc: ResultPromise;
  let pid = 0;
  const pidFile = (): string => join(sb.inst.runDir, 'WatchLG.pid');
  const hup = (): void => { process.kill(pid, 'SIGHUP'); };
  const count = (): number => (sb.status()?.lines as number) ?? 0;
  /** The status once every line read so far is in it (two rewrites without change). */
  const quiet = async (): Promise<Record<string, unknown>> => {
    let last = '';
    return sb.waitFor('a quiet status', async () => {
      await new Promise((r) => setTimeout(r, 300));
      const st = sb.status()!;
      const key = `${st.lines} ${st.injected} ${st.pending} ${st.unwritten}`;
      const same = key === last && st.pending === 0 && st.unwritten === 0;
      last = key;
      return same ? st : false;
    });
  };
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=on\nMAX_AFFAIRS=5\nTIME_SLICE=60\nSESSION_WAIT=1', { backend });
    writeFileSync(join(sb.inst.root, 'whitelist'), '198.51.100.0/24 # the office\n');
    // An own address on an interface, and a live whitelist set entry added by hand.
    await sb.ns.ok('ip', ['link', 'add', 'own0', 'type', 'veth', 'peer', 'name', 'own1']);
    await sb.ns.ok('ip', ['link', 'set', 'own0', 'up']);
    await sb.ns.ok('ip', ['link', 'set', 'own1', 'up']);
    await sb.ns.ok('ip', ['addr', 'add', '10.77.0.1/24', 'dev', 'own0']);
    await sb.ns.ok('ip', ['addr', 'add', '2001:db8:77::1/64', 'dev', 'own0', 'nodad']);
    // The master makes Watcher's sets (a set made by another program is never taken over).
    const fill = await sb.run('master/FillFW');
    expect(fill.exitCode, fill.stderr).toBe(0);
    await kernelAdd(sb.ns, backend, 'whitelist', '203.0.113.200');
    expect((await sb.run('modules/WatchLG/Prep')).exitCode).toBe(0);
    proc = sb.start('modules/WatchLG/WatchLG');
    // SIGHUP as soon as the pid file is there, while the firewall and FIFO are still set up.
    const end = Date.now() + 10_000;
    const read = (): number => { try { return Number(readFileSync(pidFile(), 'utf8')); } catch { return 0; } };
    while (!(read() > 0) && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
    pid = read();
    // Never 0: process.kill(0) would signal this test's whole process group.
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGHUP');
    await sb.waitFor('the status file', () => sb.status());
  }, 30_000);
  afterAll(async () => {
    if (proc && proc.exitCode === null) { proc.kill('SIGKILL'); await proc; }
    await sb?.close();
  });

  it('survives a SIGHUP during its start', () => {
    expect(proc.exitCode).toBeNull();
    expect(sb.status()!.pid).toBe(pid);
  });

  it('never counts the live whitelist set, own interface addresses, loopback (v4 and v6)', async () => {
    const spared = ['203.0.113.200', '10.77.0.1', '2001:db8:77::1', '127.0.0.1', '::1', '::ffff:127.0.0.2', '198.51.100.9'];
    const before = count();
    sb.feed([...spared.map((a) => invalid(a)), invalid('192.0.2.50')]);
    await sb.waitFor('the control affair', () => sb.row('192.0.2.50') && count() - before === spared.length + 1);
    for (const a of spared) expect(sb.row(a.replace('::ffff:', '')), a).toBeUndefined();
    expect(sb.status()!.spared).toBe(spared.length);
    // The row is written first, the firewall hears of it right after the commit.
    await sb.waitFor('the control affair in tarpit', async () => (await sb.members('tarpit')).has('192.0.2.50'));
    const fw = new Map([...(await sb.members('tarpit')), ...(await sb.members('custody'))]);
    expect([...fw.keys()]).toEqual(['192.0.2.50']);
    // An address added to an interface later is spared after SIGHUP (Refresh lg).
    await sb.ns.ok('ip', ['addr', 'add', '10.77.0.2/24', 'dev', 'own0']);
    hup();
    await sb.waitFor('the reload', () => sb.log().includes('reloaded (HUP)') && sb.log().split('reloaded (HUP)').length >= 3);
    sb.feed([invalid('10.77.0.2'), invalid('192.0.2.51')]);
    await sb.waitFor('the second control affair', () => sb.row('192.0.2.51'));
    expect(sb.row('10.77.0.2')).toBeUndefined();
  });

  it('takes bad input through the FIFO into the database: 1 MB line, binary, invalid UTF-8, empty lines, SQL quotes', async () => {
    const before = await quiet();
    const input = Buffer.concat([
      Buffer.from(`${H} sshd[1]: Failed password for root from 192.0.2.60 port 1 ${'x'.repeat(1 << 20)}\n`),
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a]),
      Buffer.from(`${H} sshd[2]: Failed password for invalid user \xc3\x28\xff from 192.0.2.61 port 22 ssh2\n`, 'latin1'),
      Buffer.from('\n\n\n'),
      Buffer.from('192.0.2.62\n'),
      Buffer.from(`${H} sshd[3]: Failed password for invalid user 1.2.3.4 from 5.6.7.8 port 22 ssh2\n`),
      Buffer.from(`${H} sshd[4]: Failed password for invalid user '; DROP TABLE bandits; -- from 192.0.2.63 port 22 ssh2\n`),
      Buffer.from(`${H} sshd[5]: Failed password for invalid user x'); DELETE FROM bandits; -- from 192.0.2.64 port 22 ssh2\n`),
      Buffer.from(`${H} sshd[6]: Failed password for root from 192.0.2.65 port 2 ssh2\n`),
    ]);
    writeFileSync(sb.fifo, input, { flag: 'a' });
    await sb.waitFor('the last line', () => sb.row('192.0.2.65'), 15_000);
    const st = await quiet();
    const delta = (k: string): number => (st[k] as number) - (before[k] as number);
    const matched = (r: string): number => ((st.matched as Record<string, number>)[r] ?? 0) - ((before.matched as Record<string, number>)[r] ?? 0);
    // The 1 MB line is discarded whole; binary, empty and address-only lines are untreated.
    expect([delta('lines'), delta('overlong'), delta('untreated'), matched('failed-password'), matched('root-login'), delta('injected')]).toEqual([10, 1, 5, 4, 1, 5]);
    expect(sb.row('192.0.2.60')).toBeUndefined();
    expect(sb.row('192.0.2.61')).toMatchObject({ rule: 'failed-password', affairs: expect.any(Number) });
    expect(sb.row('192.0.2.62')).toBeUndefined();
    expect(sb.row('1.2.3.4')).toBeUndefined();
    expect(sb.row('5.6.7.8')).toMatchObject({ rule: 'failed-password' });
    expect(sb.row('192.0.2.63')).toMatchObject({ rule: 'failed-password' });
    expect(sb.row('192.0.2.64')).toMatchObject({ rule: 'failed-password' });
    expect(sb.row('192.0.2.65')).toMatchObject({ rule: 'root-login' });
    const db = new Database(join(sb.inst.root, 'modules/WatchLG/WatchLG.db'), { readonly: true });
    try { expect((db.prepare('SELECT count(*) AS n FROM bandits').get() as { n: number }).n).toBeGreaterThanOrEqual(7); } finally { db.close(); }
    expect(proc.exitCode).toBeNull();
  });

  it('keeps every affair while another process holds the database, and keeps running meanwhile', async () => {
    const lock = await lockDatabase(join(sb.inst.root, 'modules/WatchLG/WatchLG.db'));
    const addrs = ['192.0.2.70', '192.0.2.71', '192.0.2.72'];
    sb.feed([...addrs.map((a) => invalid(a)), invalid('192.0.2.70')]);
    await sb.waitFor('affairs kept', () => (sb.status()!.unwritten as number) === 4);
    // The status file keeps being rewritten: the event loop is not stuck in the busy wait.
    const u1 = sb.status()!.updated as string;
    await new Promise((r) => setTimeout(r, 1500));
    expect(Date.parse(sb.status()!.updated as string) - Date.parse(u1)).toBeGreaterThanOrEqual(1000);
    expect(sb.row('192.0.2.70')).toBeUndefined();
    await lock.release();
    await sb.waitFor('the kept affairs', () => sb.row('192.0.2.72') && sb.status()!.unwritten === 0);
    expect(sb.row('192.0.2.70')).toMatchObject({ affairs: 5, status: 'DROP' });
    expect(sb.log()).toMatch(/database refused \d+ affairs \(database is locked\): kept, writing again/);
  });

  it('is rotated by logrotate with the shipped logrotate-sample: the new log file is written at once', async () => {
    requireTools(['logrotate']);
    const log = join(sb.inst.logDir, 'WatchLG.log');
    const conf = join(sb.inst.root, 'logrotate.conf');
    writeFileSync(conf, readFileSync(join(REPO, 'logrotate-sample'), 'utf8').replaceAll('/var/log/', `${sb.inst.logDir}/`).replaceAll('/run/watcher/', `${sb.inst.runDir}/`));
    const reopened = (text: string): number => text.split('log and trace reopened').length - 1;
    const before = reopened(sb.log());
    const r = await execa('logrotate', ['-f', '-s', join(sb.inst.root, 'logrotate.state'), conf], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(`${log}.1`)).toBe(true);
    await sb.waitFor('a new log file', () => existsSync(log) && readFileSync(log, 'utf8').includes('log and trace reopened'));
    sb.feed([invalid('192.0.2.79')]);
    await sb.waitFor('the line in the new log', () => sb.row('192.0.2.79'));
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect([reopened(readFileSync(`${log}.1`, 'utf8')), reopened(readFileSync(log, 'utf8'))]).toEqual([before, 1]);
  });

  it('reopens its trace on SIGHUP too', async () => {
    const trace = join(sb.inst.root, 'modules/WatchLG/WatchLG.trace');
    renameSync(trace, `${trace}.1`);
    hup();
    await sb.waitFor('the reload', () => sb.log().split('log and trace reopened').length >= 3);
    sb.feed([invalid('192.0.2.80')]);
    await sb.waitFor('a new trace file', () => existsSync(trace) && readFileSync(trace, 'utf8').includes('192.0.2.80'));
    expect(readFileSync(`${trace}.1`, 'utf8')).not.toContain('192.0.2.80');
  });
});
