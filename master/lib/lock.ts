// The master's lock: two programs changing the firewall (a start, two dynloaders' reloads) take turns.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WatcherError, EX_TEMPFAIL } from './exit.js';

/** Is a process with this pid alive? */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  // A zombie (ended, not yet reaped) is not alive.
  try { return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
}

/**
 * Take RUN_DIR/watcher.lock (created exclusively, holding our pid), waiting while a live
 * process holds it; a lock left by a dead process is taken over. Returns the release.
 */
export async function takeLock(runDir: string, opts: { waitMs?: number; say?: (line: string) => void } = {}): Promise<() => void> {
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, 'watcher.lock');
  const deadline = Date.now() + (opts.waitMs ?? 600_000);
  let said = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      const release = (): void => {
        try { if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path); } catch { /* gone */ }
        process.off('exit', release);
      };
      process.on('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let text: string;
    try { text = readFileSync(path, 'utf8').trim(); } catch { continue; }
    const holder = Number(text);
    // An empty lock is one being written right now, unless it is old.
    const stale = text === '' ? Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5000 : !isAlive(holder);
    if (stale) {
      try { unlinkSync(path); } catch { /* someone else took it over */ }
      continue;
    }
    if (Date.now() > deadline) throw new WatcherError(`${path} is held by pid ${holder}; gave up waiting`, EX_TEMPFAIL);
    if (!said) { opts.say?.(`waiting for pid ${holder} to finish (${path})`); said = true; }
    await new Promise((r) => setTimeout(r, 100));
  }
}
