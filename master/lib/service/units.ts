// The systemd units of the modules: one template, an instance per module, and the master's
// choice between them and detached processes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESTART_BURST, RESTART_WINDOW_S } from '../module/supervise.js';

/** The template unit's file name; `watcher-module@WatchLG.service` is WatchLG's instance. */
export const MODULE_UNIT = 'watcher-module@.service';

/** The unit of one module. */
export function unitOf(name: string): string {
  return `watcher-module@${name}.service`;
}

/** Where systemd says it runs, and where Prep installs the units systemd reads. */
export const SYSTEMD_RUN = '/run/systemd/system';
export const SYSTEMD_UNITS = '/etc/systemd/system';

/** System paths whose environment override a unit started by systemd would not see. */
const PATH_KEYS = ['FIFO_BASE', 'LOG_DIR', 'RUN_DIR', 'TOOLPATH'];

const execStart = (master: string, node: string): string => `ExecStart=${node} ${master}/modules/%i/%i`;

/**
 * The template: systemd starts a module again when it fails (a non-zero exit but the ones a
 * restart cannot mend, or a signal other than TERM/HUP/INT/PIPE), RESTART_BURST times within
 * RESTART_WINDOW_S, then leaves it failed. Only the module gets SIGTERM at stop: a companion
 * is stopped by its owner after the hand-over (WatchMX stops WatchMB), and one left over by a
 * killed owner is adopted by the next owner, as without systemd.
 */
export function moduleUnit(master: string, node: string, graceSeconds: number): string {
  return `# Installed by ${master}/master/Prep: the modules master/watcher start starts (watcher-module@WatchLG)
[Unit]
Description=Watcher module %i
StartLimitIntervalSec=${RESTART_WINDOW_S}
StartLimitBurst=${RESTART_BURST}

[Service]
Type=simple
${execStart(master, node)}
WorkingDirectory=${master}/modules/%i
Restart=on-failure
RestartSec=5
RestartPreventExitStatus=64 65 66 75 78
KillMode=process
TimeoutStopSec=${graceSeconds * 2 + 10}
`;
}

/** An instance's drop-in: its output goes to the module's LOGFILE, as without systemd. */
export function moduleLogDropIn(master: string, logFile: string): string {
  const path = logFile.replace(/%/g, '%%');
  return `# Installed by ${master}/master/Prep: the module's output goes to its LOGFILE
[Service]
StandardOutput=append:${path}
StandardError=append:${path}
`;
}

/**
 * Does the master start modules as units? Where systemd runs, the template systemd reads is this
 * installation's (another copy of the tree, a test's or the demo's, never starts the host's
 * units), and no system path is overridden by the environment (a unit would not see it).
 */
export function usesSystemd(master: string, env: NodeJS.ProcessEnv, dirs = { run: SYSTEMD_RUN, units: SYSTEMD_UNITS }): boolean {
  if (!existsSync(dirs.run) || PATH_KEYS.some((k) => env[k])) return false;
  let text: string;
  try { text = readFileSync(join(dirs.units, MODULE_UNIT), 'utf8'); } catch { return false; }
  return text.split('\n').some((l) => l.startsWith('ExecStart=') && l.endsWith(` ${master}/modules/%i/%i`));
}
