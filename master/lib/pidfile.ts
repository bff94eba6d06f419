// $RUN_DIR/<name>.pid: one running process per module; a stale file is taken over.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WatcherError, EX_TEMPFAIL } from './exit.js';

/** The pid in a pid file when that process is alive and its command line mentions `name`. */
export function livePid(path: string, name: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes(name) ? pid : undefined;
  } catch { return undefined; }
}

/** Write the pid file, or refuse (EX_TEMPFAIL 75) when a live process of that name holds it. */
export function claimPidFile(runDir: string, name: string): { path: string; release(): void } {
  const path = join(runDir, `${name}.pid`);
  const other = livePid(path, name);
  if (other !== undefined && other !== process.pid) throw new WatcherError(`${name} already runs as pid ${other} (${path})`, EX_TEMPFAIL);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path, `${process.pid}\n`);
  return { path, release: () => { if (existsSync(path) && Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true }); } };
}
