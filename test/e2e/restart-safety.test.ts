// Restart safety: WatchLG killed with SIGKILL while its FIFO is fed continuously, then
// `master/watcher start`: the stale pid file does not stop the start, and every DROP row of the
// database is in custody in the kernel again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS, kernelFlush } from '../helpers/backends.js';

// Two failed root logins (penalty 4 each, MAX_AFFAIRS=5) put an address in custody.
const attack = (n: number) => {
  const addr = `198.18.${(n >> 8) & 255}.${n & 255}`;
  return [1, 2].map((k) => `2026-11-21T06:00:00+00:00 host sshd[9]: Failed password for root from ${addr} port ${4000 + k} ssh2\n`).join('');
};

describe.each(BACKENDS)('WatchLG killed with SIGKILL mid-stream, then master/watcher start (%s)', (backend) => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=5', { backend });
    await prepareService(sb, 'WatchLG');
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(() => closeService(sb));

  const dropRows = (): string[] => {
    const db = new Database(join(sb.inst.root, 'modules/WatchLG/WatchLG.db'), { readonly: true });
    try { return (db.prepare("SELECT address FROM bandits WHERE status = 'DROP'").all() as { address: string }[]).map((r) => r.address).sort(); }
    finally { db.close(); }
  };
  const custody = async (): Promise<string[]> => [...(await sb.members('custody')).keys()].sort();

  it('starts again over the stale pid file and puts every DROP row of the database back in custody', async () => {
    // The feeder holds the FIFO open like the logger (read-write, non-blocking): it never blocks, even with no reader.
    const fd = openSync(sb.fifo, constants.O_RDWR | constants.O_NONBLOCK);
    let n = 0;
    const feeder = setInterval(() => {
      try { for (let i = 0; i < 20; i++) { writeSync(fd, attack(n)); n++; } } catch { /* pipe full: the module is gone */ }
    }, 5);
    const pid = Number(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8'));
    await sb.waitFor('a few hundred drops', () => (sb.status()?.dropped as number) >= 300, 30_000);
    process.kill(pid, 'SIGKILL');
    await sb.waitFor('the module gone', () => !existsSync(`/proc/${pid}`));
    const custodyAtKill = new Set(await custody());
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(feeder);
    // The feeder stays open, as the logger would: a FIFO that nobody holds open loses what it buffers.
    expect(existsSync(join(sb.inst.runDir, 'WatchLG.pid'))).toBe(true); // stale: nobody removed it
    const before = dropRows();
    const missing = before.filter((a) => !custodyAtKill.has(a)).length;
    await kernelFlush(sb.ns, backend, 'custody'); // as after a reboot: the kernel forgot, the database did not
    const drops = dropRows();
    expect(drops.length).toBeGreaterThanOrEqual(300);
    const start = await sb.run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain('Starting module WatchLG ...');
    // Custody and the tarpit entries with time left.
    expect(Number(/for (\d+) total firewall drops/.exec(start.stdout)?.[1])).toBeGreaterThanOrEqual(drops.length);
    // The new WatchLG may already be adding what it reads from the FIFO: custody holds at least every row.
    const loaded = new Set(await custody());
    expect(drops.filter((a) => !loaded.has(a))).toEqual([]);
    const st = await sb.waitFor('the new WatchLG', () => { const s = sb.status(); return s && s.pid !== pid && s; });
    expect(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8').trim()).toBe(String(st.pid));
    // What was left in the FIFO is read by the new module; its drops join custody as well.
    await sb.waitFor('the rest of the FIFO read', () => (sb.status()?.lines as number) > 0 && sb.status()?.pending === 0 && sb.status());
    await new Promise((r) => setTimeout(r, 1500));
    closeSync(fd);
    const after = dropRows();
    expect(after.length).toBeGreaterThan(drops.length);
    expect(await custody()).toEqual(after);
    console.log(`fed ${n} addresses (2 lines each); at the kill ${before.length} DROP rows, ${missing} of them not yet in custody; ` +
      `custody flushed; after watcher start ${drops.length} in custody; after the new WatchLG read the FIFO's rest ${after.length} DROP rows = custody`);
  }, 90_000);
});
