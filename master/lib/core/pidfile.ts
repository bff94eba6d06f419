// $RUN_DIR/<name>.pid: one running process per module, found and checked in one place.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WatcherError, EX_TEMPFAIL } from './exit.js';
import { replaceFileMode, PUBLIC_MODE } from './files.js';

/** Is a process with this pid alive (a zombie, ended but not yet reaped, is not)? */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  try { return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
}

/** The live process of RUN_DIR/<name>.pid, when its command line mentions `name` (/proc/<pid>/cmdline). */
export function runningPid(runDir: string, name: string): number | undefined {
  let pid: number;
  try { pid = Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim()); } catch { return undefined; }
  if (!isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name) ? pid : undefined;
  } catch { return undefined; }
}

/** Write the pid file, or refuse (EX_TEMPFAIL 75) when a live process of that name holds it. */
export function claimPidFile(runDir: string, name: string): { path: string; release(): void } {
  const path = join(runDir, `${name}.pid`);
  const other = runningPid(runDir, name);
  if (other !== undefined && other !== process.pid) throw new WatcherError(`${name} already runs as pid ${other} (${path})`, EX_TEMPFAIL);
  // Whole or not there: a reader (status, cron's check, logrotate's `kill -HUP $(cat ...)`) never finds it empty.
  replaceFileMode(path, `${process.pid}\n`, PUBLIC_MODE);
  return { path, release: () => { if (existsSync(path) && Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true }); } };
}
