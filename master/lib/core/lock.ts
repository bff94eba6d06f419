// The master's lock: two programs changing the firewall (a start, two dynloaders' reloads) take turns.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChannel } from './runner.js';
import { WatcherError, EX_TEMPFAIL, EX_UNAVAILABLE } from './exit.js';
import { touchFileMode, PUBLIC_MODE } from './files.js';

export { isAlive } from './pidfile.js';

/**
 * Take RUN_DIR/watcher.lock, waiting while another process holds it (at most `waitMs`).
 *
 * Invariants:
 * - The lock is a flock(2) on the file, held by a `flock FILE cat` child whose stdin is a pipe
 *   from this process; cat echoes a first line once the lock is held. The kernel drops the lock
 *   when flock and cat end, and they end when this process releases the lock or dies in any way
 *   (the pipe closes). A lock is never
 *   left behind, so there is nothing to take over and waiters cannot race on a takeover.
 * - The file is never removed (removing a flock'ed file would let a second holder lock a new
 *   inode). While held it says the holder's pid, for the "waiting for pid N" message; it is
 *   emptied on release.
 */
export async function takeLock(runDir: string, opts: { waitMs?: number; say?: (line: string) => void } = {}): Promise<() => void> {
  const path = join(runDir, 'watcher.lock');
  // Created here, not by flock (which would take the umask's mode).
  touchFileMode(path, PUBLIC_MODE);
  const seconds = Math.max(1, Math.ceil((opts.waitMs ?? 600_000) / 1000));
  const holder = spawnChannel('flock', ['--exclusive', '--wait', String(seconds), path, 'cat']);
  holder.stdin.on('error', () => undefined);
  holder.stderr.resume();
  // cat runs only once the lock is held: it echoes this line back then.
  holder.stdin.write('locked\n');
  let held = false;
  // Timers run before the poll for input: a busy process looks once more after it, so that an echo already there is no wait.
  const notice = setTimeout(() => setImmediate(() => {
    if (held) return;
    let pid = '';
    try { pid = readFileSync(path, 'utf8').trim(); } catch { /* not written yet */ }
    opts.say?.(`waiting for ${pid ? `pid ${pid}` : 'another program'} to finish (${path})`);
  }), 150);
  const got = await new Promise<boolean>((resolve) => {
    holder.stdout.once('data', () => { held = true; holder.stdout.resume(); resolve(true); });
    void holder.then(() => resolve(false));
  });
  clearTimeout(notice);
  if (!got) {
    const r = await holder;
    if ((r as { code?: string }).code === 'ENOENT') throw new WatcherError('flock: program not found (Debian package util-linux)', EX_UNAVAILABLE);
    let pid = '';
    try { pid = readFileSync(path, 'utf8').trim(); } catch { /* gone */ }
    throw new WatcherError(`${path} is held${pid ? ` by pid ${pid}` : ''}; gave up waiting after ${seconds} s`, EX_TEMPFAIL);
  }
  writeFileSync(path, `${process.pid}\n`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try { writeFileSync(path, ''); } catch { /* gone */ }
    holder.stdin.end();
  };
}
