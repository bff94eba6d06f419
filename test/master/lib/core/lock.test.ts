// RUN_DIR/watcher.lock: concurrent takers (also of a lock file a dead process left) hold it one at a time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { distPath } from '../../../helpers/script.js';
import { requireTools } from '../../../helpers/netns.js';

// One taker: takes the lock, notes enter/leave (ms) in its own file, holds it `hold` ms.
const TAKER = (dir: string, id: number, hold: number) => `
import { takeLock } from '${distPath('master/lib/core/lock.js')}';
import { writeFileSync } from 'node:fs';
const release = await takeLock('${dir}', { say: (l) => process.stderr.write(l + '\\n') });
const enter = performance.timeOrigin + performance.now();
await new Promise((r) => setTimeout(r, ${hold}));
const leave = performance.timeOrigin + performance.now();
writeFileSync('${dir}/taker-${id}', JSON.stringify({ enter, leave }));
release();`;

const take = (dir: string, id: number, hold = 150) =>
  execa(process.execPath, ['--input-type=module', '-e', TAKER(dir, id, hold)], { reject: false });

describe('watcher.lock', () => {
  let dir: string;
  beforeEach(() => { requireTools(['flock']); dir = mkdtempSync(join(tmpdir(), 'lock-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('eight concurrent takers of a lock file left by a dead process never hold it at the same time', async () => {
    // A lock file that names a process which no longer exists (a crash of an older holder).
    const dead = execa(process.execPath, ['-e', '0']);
    await dead;
    writeFileSync(join(dir, 'watcher.lock'), `${dead.pid}\n`);
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => take(dir, i)));
    expect(rs.map((r) => r.exitCode)).toEqual(Array(8).fill(0));
    const spans = Array.from({ length: 8 }, (_, i) => JSON.parse(readFileSync(join(dir, `taker-${i}`), 'utf8')) as { enter: number; leave: number })
      .sort((a, b) => a.enter - b.enter);
    for (let i = 1; i < spans.length; i++) expect(spans[i].enter).toBeGreaterThanOrEqual(spans[i - 1].leave);
    expect(readFileSync(join(dir, 'watcher.lock'), 'utf8')).toBe('');
  });

  it('a taker that has to wait says so, naming the holder\'s pid, and gets the lock when the holder ends', async () => {
    const holder = take(dir, 0, 60_000);
    await vi.waitFor(() => expect(readFileSync(join(dir, 'watcher.lock'), 'utf8').trim()).toBe(String(holder.pid)), { timeout: 30_000, interval: 50 });
    const waiter = take(dir, 1, 10);
    let said = '';
    waiter.stderr?.on('data', (d: Buffer) => { said += String(d); });
    await vi.waitFor(() => expect(said).toBe(`waiting for pid ${holder.pid} to finish (${join(dir, 'watcher.lock')})\n`), { timeout: 30_000, interval: 50 });
    expect(existsSync(join(dir, 'taker-1'))).toBe(false);
    holder.kill('SIGTERM');
    await holder;
    expect((await waiter).exitCode).toBe(0);
    expect(existsSync(join(dir, 'taker-1'))).toBe(true);
  });

  it('a holder killed with SIGKILL leaves no lock behind: the next taker gets it at once', async () => {
    const holder = take(dir, 0, 60_000);
    await vi.waitFor(() => expect(readFileSync(join(dir, 'watcher.lock'), 'utf8').trim()).toBe(String(holder.pid)), { timeout: 30_000, interval: 50 });
    holder.kill('SIGKILL');
    await holder;
    const t0 = Date.now();
    const next = await take(dir, 1, 10);
    expect(next.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
