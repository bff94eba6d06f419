// Supervision bookkeeping in RUN_DIR: whether the service is meant to run, and the restarts of
// each module that died.
//
// Invariants:
// - RUN_DIR/watcher.started exists from the end of a `watcher start` to the beginning of a
//   `watcher stop`: only then is a module that is down started again (a stopped service stays
//   stopped). RUN_DIR is cleared at boot, so is the mark.
// - RUN_DIR/<name>.restarts holds the times of the restarts of the last RESTART_WINDOW_S
//   seconds. At most RESTART_BURST of them: the next one is refused and the module is given up
//   (`gaveUp`) until the next `watcher start`, which forgets every count. The same limits are
//   the systemd unit's StartLimitBurst and StartLimitIntervalSec.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { replaceFileMode, writeFileMode, PUBLIC_MODE } from '../core/files.js';
import { join } from 'node:path';

/** Restarts allowed within RESTART_WINDOW_S before a module is given up. */
export const RESTART_BURST = 5;
/** The window of RESTART_BURST, in seconds (10 minutes: ten runs of a crontab check). */
export const RESTART_WINDOW_S = 600;

const MARK = 'watcher.started';

/** Mark the service as started: from now on a module that is down is started again. */
export function markStarted(runDir: string, now = new Date()): void {
  writeFileMode(join(runDir, MARK), `${now.toISOString()}\n`, PUBLIC_MODE);
}

/** Mark the service as stopped: nothing is started again until the next start. */
export function markStopped(runDir: string): void {
  rmSync(join(runDir, MARK), { force: true });
}

/** Is the service meant to run (started and not stopped since)? */
export function isStarted(runDir: string): boolean {
  return existsSync(join(runDir, MARK));
}

/** The restarts of a module within the window, and when it was given up. */
export interface Restarts { times: string[]; gaveUp?: string }

const fileOf = (runDir: string, name: string): string => join(runDir, `${name}.restarts`);

/** The restarts of a module (none when there is no file or it is garbled). */
export function readRestarts(runDir: string, name: string): Restarts {
  try {
    const r = JSON.parse(readFileSync(fileOf(runDir, name), 'utf8')) as Restarts;
    return { times: Array.isArray(r.times) ? r.times.filter((t) => typeof t === 'string') : [], gaveUp: typeof r.gaveUp === 'string' ? r.gaveUp : undefined };
  } catch { return { times: [] }; }
}

/** The restarts that fall in the window ending at `now`. */
export function recentRestarts(r: Restarts, now = new Date()): string[] {
  return r.times.filter((t) => now.getTime() - Date.parse(t) < RESTART_WINDOW_S * 1000);
}

/** What to do with a module that is down: start it (restart number n), give it up now, or it was given up already. */
export type RestartTurn = { kind: 'start'; n: number } | { kind: 'give-up'; n: number } | { kind: 'given-up'; at: string };

/** Take a restart for a module that is down, counted before the start (a start that kills the checker counts too). */
export function takeRestart(runDir: string, name: string, now = new Date()): RestartTurn {
  const r = readRestarts(runDir, name);
  if (r.gaveUp) return { kind: 'given-up', at: r.gaveUp };
  const times = recentRestarts(r, now);
  if (times.length >= RESTART_BURST) {
    write(runDir, name, { times, gaveUp: now.toISOString() });
    return { kind: 'give-up', n: times.length };
  }
  times.push(now.toISOString());
  write(runDir, name, { times });
  return { kind: 'start', n: times.length };
}

/** Forget every module's restarts (a `watcher start`: every module gets its full burst again). */
export function forgetRestarts(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const f of readdirSync(runDir)) if (f.endsWith('.restarts')) rmSync(join(runDir, f), { force: true });
}

function write(runDir: string, name: string, r: Restarts): void {
  const path = fileOf(runDir, name);
  replaceFileMode(path, `${JSON.stringify(r)}\n`, PUBLIC_MODE, `${path}.tmp`);
}
