// Refresh: a running module rereads its rules (SIGHUP) and says whether it took them, through
// the `reloaded` field of its status file, which it rewrites at once after each reload.
import type { Reloaded } from '../core/status.js';
import { isAlive, runningPid } from '../core/pidfile.js';
import { readModuleStatus } from './processes.js';

/** Seconds Refresh waits for a module's answer. */
export const REFRESH_WAIT_S = 10;

/** What came of a reload: the module is down, did not answer, took the rules or refused them (problems as file:line). */
export type RefreshOutcome =
  | { kind: 'down' }
  | { kind: 'silent'; pid: number }
  | { kind: 'taken' | 'refused'; pid: number; reloaded: Reloaded };

/** Send SIGHUP to a running module and wait until its status file tells the reload's outcome. */
export async function refreshModule(runDir: string, name: string, ms = REFRESH_WAIT_S * 1000): Promise<RefreshOutcome> {
  const pid = runningPid(runDir, name);
  if (pid === undefined) return { kind: 'down' };
  const answer = (): Reloaded | undefined => {
    const st = readModuleStatus(runDir, name);
    return st?.pid === pid ? st.reloaded as Reloaded | undefined : undefined;
  };
  const before = JSON.stringify(answer() ?? null);
  try { process.kill(pid, 'SIGHUP'); } catch { return { kind: 'down' }; }
  const deadline = Date.now() + ms;
  for (;;) {
    const now = answer();
    if (now && JSON.stringify(now) !== before) return { kind: now.ok ? 'taken' : 'refused', pid, reloaded: now };
    if (!isAlive(pid)) return { kind: 'down' };
    if (Date.now() > deadline) return { kind: 'silent', pid };
    await new Promise((r) => setTimeout(r, 25));
  }
}
