// Whether a module came up, and why one is down: what `watcher start`, `check` and `status` say.
import { closeSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessEnd } from '../core/runner.js';
import { runningPid } from '../core/pidfile.js';
import { readModuleStatus } from './processes.js';

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
