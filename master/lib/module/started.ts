// Whether a module came up, why one is down, how it stands: what `watcher start`, `check` and `status` say.
import { closeSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessEnd } from '../core/runner.js';
import { runningPid } from '../core/pidfile.js';
import { describeBacklog, readModuleStatus } from './processes.js';
import { readRestarts, recentRestarts, RESTART_BURST, RESTART_WINDOW_S } from './supervise.js';

/** Seconds a module has to write its status file after its start (the end of its own start). */
export const START_WAIT_S = 10;

/** How a process ended, in words: `exit 3`, `killed by SIGBUS`. */
export function describeEnd(end: ProcessEnd): string {
  return end.signal ? `killed by ${end.signal}` : `exit ${end.code}`;
}

/** A module's start: confirmed (its status file names its running pid) or failed, with the reason. */
export type StartResult = { ok: true; pid: number } | { ok: false; why: string };

/**
 * Wait until the module's status file names the module's running pid: the module has passed its
 * own start (rules, database, firewall, FIFO). `ended` settles when the started process ends
 * (known for a process this program started itself).
 */
export async function waitStarted(runDir: string, name: string, o: { ended?: Promise<ProcessEnd>; ms?: number } = {}): Promise<StartResult> {
  const ms = o.ms ?? START_WAIT_S * 1000;
  let end: ProcessEnd | undefined;
  void o.ended?.then((e) => { end = e; });
  const deadline = Date.now() + ms;
  for (;;) {
    const pid = runningPid(runDir, name);
    if (pid !== undefined && readModuleStatus(runDir, name)?.pid === pid) return { ok: true, pid };
    if (end) return { ok: false, why: `it ended during its start (${describeEnd(end)})` };
    if (Date.now() > deadline) {
      return { ok: false, why: pid !== undefined ? `it runs as pid ${pid} but has not written its status file within ${ms / 1000} s` : `it did not come up within ${ms / 1000} s` };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pid a module's pid file names, whether it runs or not. */
export function pidInFile(runDir: string, name: string): number | undefined {
  try {
    const n = Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch { return undefined; }
}

/** The last line the module itself wrote to its log (`<time> WatchLG[1234]: ...`), cut to 300 characters. */
export function lastLogLine(logFile: string, name: string): string | undefined {
  let text: string;
  try {
    const fd = openSync(logFile, 'r');
    try {
      const size = fstatSync(fd).size;
      const n = Math.min(size, 65536);
      const buf = Buffer.alloc(n);
      readSync(fd, buf, 0, n, size - n);
      text = buf.toString('utf8');
    } finally { closeSync(fd); }
  } catch { return undefined; }
  const own = new RegExp(`^(?:\\S+ )?${name}\\[\\d+\\]: `);
  const line = text.split('\n').reverse().find((l) => own.test(l));
  return line && line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/** Why a module that should run is down: its pid file and its last own log line. */
export function whyDown(runDir: string, name: string, logFile: string): string {
  const pid = pidInFile(runDir, name);
  const parts = [pid !== undefined ? `pid ${pid} is gone and left its pid file: killed or crashed` : 'no pid file: it ended by itself or was never started'];
  const last = lastLogLine(logFile, name);
  if (last) parts.push(`its last log line: ${JSON.stringify(last)}`);
  return parts.join('; ');
}

/**
 * A module as `watcher status` shows it: running with the figures of its status file (only when
 * the file is the running process's: one left by a killed process is not) and its recent
 * restarts; or not running, with why (its pid file left behind, its restarts given up).
 */
export function describeModule(runDir: string, name: string, now = new Date()): { running: boolean; text: string; instances?: string[] } {
  const pid = runningPid(runDir, name);
  const restarts = readRestarts(runDir, name);
  const window = `within ${RESTART_WINDOW_S / 60} min`;
  if (pid === undefined) {
    const stale = pidInFile(runDir, name);
    const why = restarts.gaveUp ? `: given up at ${restarts.gaveUp} after ${RESTART_BURST} restarts ${window} (watcher start tries again)`
      : stale !== undefined ? `: pid ${stale} is gone and left its pid file (killed or crashed)` : '';
    return { running: false, text: `not running${why}` };
  }
  const read = readModuleStatus(runDir, name);
  const st = read?.pid === pid ? read : undefined;
  const age = st && typeof st.updated === 'string' ? Math.round((now.getTime() - Date.parse(st.updated)) / 1000) : undefined;
  const figures = st ? ['lines', 'skipped', 'untreated', 'injected', 'tarpitted', 'dropped'].map((k) => `${k} ${st[k] ?? '?'}`).join(', ') : 'no status file';
  const recent = recentRestarts(restarts, now).length;
  return { running: true, text: `running, pid ${pid}${st?.started ? ` since ${st.started}` : ''}: ${figures}${age !== undefined ? ` (status ${age} s old)` : ''}${recent ? `; restarted ${recent} times ${window}` : ''}${st ? describeBacklog(st) : ''}`, instances: describeInstances(st?.instances) };
}

// The figures of each instance of a module that counts by instance (WatchWB), busiest first.
function describeInstances(all: unknown): string[] | undefined {
  if (all === null || typeof all !== 'object') return undefined;
  const rows = Object.entries(all as Record<string, Record<string, number | string>>).sort((a, b) => Number(b[1].lines) - Number(a[1].lines));
  return rows.map(([key, c]) => `${key} (${c.type}): ${['lines', 'untreated', 'injected', 'tarpitted', 'dropped'].map((k) => `${k} ${c[k] ?? '?'}`).join(', ')}`);
}
