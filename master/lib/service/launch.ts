// Starting and stopping modules the way this system supervises them: systemd unit instances, or
// detached processes that `watcher check` starts again.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WatcherSettings } from '../../../common.conf.js';
import { run, type ProcessEnd } from '../core/runner.js';
import { moduleLogFile, runningPid, startModule } from '../module/processes.js';
import { lastLogLine, waitStarted, type StartResult } from '../module/started.js';
import { unitOf, usesSystemd } from './units.js';

/** What a launch needs: the installation, its settings and environment. */
export interface LaunchContext { master: string; conf: WatcherSettings; env: NodeJS.ProcessEnv }

/** How this installation starts its modules. */
export type Launcher = 'systemd' | 'detached';

/** systemd where it runs and Prep installed this installation's template, else detached processes. */
export function chooseLauncher(c: LaunchContext): Launcher {
  return usesSystemd(c.master, c.env) ? 'systemd' : 'detached';
}

/**
 * Start a module and wait until it has passed its own start. A detached module's end is heard
 * directly; a unit's failed restarts are systemd's (reset first, so an explicit start is never
 * refused for the unit's earlier failures).
 */
export async function launchModule(c: LaunchContext, name: string, how: Launcher): Promise<StartResult> {
  // A pid file left by a killed process has been explained by now; the next one is the new process's.
  if (runningPid(c.conf.RUN_DIR, name) === undefined) rmSync(join(c.conf.RUN_DIR, `${name}.pid`), { force: true });
  if (how === 'systemd') {
    await run('systemctl', ['reset-failed', unitOf(name)], { allowFail: true });
    const r = await run('systemctl', ['start', unitOf(name)], { allowFail: true });
    if (r.exitCode !== 0) return { ok: false, why: `systemctl start ${unitOf(name)}: exit ${r.exitCode}: ${r.stderr.trim()}` };
    const w = await waitStarted(c.conf.RUN_DIR, name);
    return w.ok ? w : { ok: false, why: `${w.why}${logHint(c, name)} (systemctl status ${unitOf(name)})` };
  }
  let ended!: (e: ProcessEnd) => void;
  const end = new Promise<ProcessEnd>((resolve) => { ended = resolve; });
  try { startModule(c.master, name, c.conf, c.env, ended); } catch (e) { return { ok: false, why: (e as Error).message }; }
  const w = await waitStarted(c.conf.RUN_DIR, name, { ended: end });
  return w.ok ? w : { ok: false, why: `${w.why}${logHint(c, name)}` };
}

// Where the module explains itself: its log file and the last line it wrote there.
function logHint(c: LaunchContext, name: string): string {
  const file = logFileOf(c, name);
  const last = lastLogLine(file, name);
  return `; see ${file}${last ? `, its last line: ${JSON.stringify(last)}` : ''}`;
}

/** Stop the units of these modules (systemd must not start them again); waits for each to end. */
export async function stopUnits(names: string[]): Promise<void> {
  if (names.length) await run('systemctl', ['stop', ...names.map(unitOf)], { allowFail: true, timeout: 900_000 });
}

/** The LOGFILE a module writes to (where a start's failure is explained). */
export function logFileOf(c: LaunchContext, name: string): string {
  try { return moduleLogFile(c.master, name, c.conf, c.env); } catch { return `${c.conf.LOG_DIR}/${name}.log`; }
}
