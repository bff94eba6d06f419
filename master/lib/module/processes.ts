// Module processes as the master sees them: installed, started detached, found by pid file, stopped.
import { accessSync, constants, closeSync, existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WatcherSettings } from '../../../common.conf.js';
import { parseAssignments } from '../core/conf.js';
import { isAlive, runningPid } from '../core/pidfile.js';
import { openPrivate } from '../core/log.js';
import { spawnDetached, type ProcessEnd } from '../core/runner.js';

export { runningPid } from '../core/pidfile.js';

/** Modules present in the tree: modules/<name>/<name> is an executable program. */
export function installedModules(master: string): string[] {
  const dir = join(master, 'modules');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => {
    try { accessSync(join(dir, name, name), constants.X_OK); return true; } catch { return false; }
  }).sort();
}

/**
 * Modules another module starts itself (WatchMB, started by WatchMX): the `companion` of the
 * installed modules' definitions (dist/modules/<name>/module.js), mapped to their owner.
 */
export async function companionOwners(master: string, installed: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of installed) {
    const file = join(master, 'dist', 'modules', name, 'module.js');
    if (!existsSync(file)) continue;
    const def = (await import(pathToFileURL(file).href) as Record<string, { companion?: string } | undefined>)[name];
    if (def?.companion) out.set(def.companion, name);
  }
  return out;
}

/** The companions of the installed modules: the master does not start them. */
export async function companionModules(master: string, installed: string[]): Promise<Set<string>> {
  return new Set((await companionOwners(master, installed)).keys());
}

/**
 * One key of a module's conf as the master reads it (a module has keys of its own that only the
 * module knows): its last assignment, or undefined where the conf does not set it.
 */
export function moduleConfValue(master: string, name: string, key: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): string | undefined {
  const file = join(master, 'modules', name, `${name}.conf`);
  const known: Record<string, string> = { MASTER_PATH: master, LOG_DIR: conf.LOG_DIR, RUN_DIR: conf.RUN_DIR, FIFO_BASE: conf.FIFO_BASE, TOOLPATH: conf.TOOLPATH };
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return parseAssignments(text, file, (k) => known[k] ?? env[k]).filter((a) => a.key === key).pop()?.value;
}

/** The LOGFILE of a module, else $LOG_DIR/<name>.log. */
export function moduleLogFile(master: string, name: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): string {
  return moduleConfValue(master, name, 'LOGFILE', conf, env) || join(conf.LOG_DIR, `${name}.log`);
}

/**
 * A module switched off in its own conf (GeoTrack's `ENABLED=`): the master does not start it.
 * A module that has the switch (its conf sample shows ENABLED) is off until its conf turns it
 * on, as its default says.
 */
export function isSwitchedOff(master: string, name: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): boolean {
  // A conf that does not parse switches nothing off: the module is started and says what is wrong.
  try {
    const value = moduleConfValue(master, name, 'ENABLED', conf, env);
    if (value !== undefined) return value === '';
    const sample = join(master, 'modules', name, `${name}.conf-sample`);
    return existsSync(sample) && /^#?ENABLED=/m.test(readFileSync(sample, 'utf8'));
  } catch { return false; }
}

/** Start a module detached with its output appended to its LOGFILE; returns the pid. `onEnd` hears how it ended. */
export function startModule(master: string, name: string, conf: WatcherSettings, env: NodeJS.ProcessEnv, onEnd?: (end: ProcessEnd) => void): number {
  const fd = openPrivate(moduleLogFile(master, name, conf, env));
  try {
    return spawnDetached(join(master, 'modules', name, name), [], { logFd: fd, cwd: join(master, 'modules', name), env, onEnd });
  } finally { closeSync(fd); }
}

/** Names of every pid file in RUN_DIR (the modules that run or ran). */
export function pidFiles(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4)).sort();
}

/**
 * Stop every module named by a pid file: SIGTERM, then SIGKILL after `graceSeconds`. A pid file
 * whose process is gone (or is not that module) is removed. Companions are left to their owner
 * first (WatchMX hands its queue to WatchMB, then stops it: an owner gets twice the grace);
 * a companion still running afterwards (its owner was not running) is stopped next.
 * `companions` maps each companion to its owner. Returns the modules stopped.
 */
export async function stopModules(runDir: string, graceSeconds: number, say: (line: string) => void, companions = new Map<string, string>()): Promise<string[]> {
  const owners = new Set(companions.values());
  const first = await stopSome(runDir, pidFiles(runDir).filter((n) => !companions.has(n)), (n) => owners.has(n) ? graceSeconds * 2 : graceSeconds, say);
  const rest = await stopSome(runDir, pidFiles(runDir).filter((n) => companions.has(n)), () => graceSeconds, say);
  return [...first, ...rest];
}

async function stopSome(runDir: string, names: string[], grace: (name: string) => number, say: (line: string) => void): Promise<string[]> {
  const stopped: string[] = [];
  const waiting: { name: string; pid: number; deadline: number }[] = [];
  for (const name of names) {
    const pid = runningPid(runDir, name);
    if (pid === undefined) { removePid(runDir, name); continue; }
    say(`Stopping module ${name} ...`);
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
    waiting.push({ name, pid, deadline: Date.now() + grace(name) * 1000 });
  }
  while (waiting.some((w) => isAlive(w.pid) && Date.now() < w.deadline)) await new Promise((r) => setTimeout(r, 50));
  for (const w of waiting) {
    if (isAlive(w.pid)) {
      say(`Module ${w.name} did not end within ${grace(w.name)} s: killed`);
      try { process.kill(w.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    removePid(runDir, w.name);
    stopped.push(w.name);
  }
  return stopped;
}

/** Send a signal to every running module named by a pid file; returns "name (pid N)" of each. */
export function signalModules(runDir: string, signal: NodeJS.Signals): string[] {
  const told: string[] = [];
  for (const name of pidFiles(runDir)) {
    const pid = runningPid(runDir, name);
    if (pid === undefined) continue;
    try { process.kill(pid, signal); told.push(`${name} (pid ${pid})`); } catch { /* just ended */ }
  }
  return told;
}

function removePid(runDir: string, name: string): void {
  try { unlinkSync(join(runDir, `${name}.pid`)); } catch { /* gone */ }
}

/** The status file a running module keeps (contract: RUN_DIR/<name>.status), or undefined. */
export function readModuleStatus(runDir: string, name: string): Record<string, unknown> | undefined {
  try { return JSON.parse(readFileSync(join(runDir, `${name}.status`), 'utf8')) as Record<string, unknown>; } catch { return undefined; }
}

/** The database backlog of a status file for `watcher status`: '' while the database takes every write and nothing was lost. */
export function describeBacklog(st: Record<string, unknown>): string {
  const held = Number(st.unwritten ?? 0), lost = Number(st.unwrittenLost ?? 0);
  const since = typeof st.dbRefusingSince === 'string' ? st.dbRefusingSince : undefined;
  if (!since && !held && !lost) return '';
  const parts = [`${held} affairs held`];
  if (lost) parts.push(`${lost} lost (over MAX_HELD_AFFAIRS)`);
  return since ? `; database refuses writes since ${since} (${String(st.dbProblem ?? '?')}): ${parts.join(', ')}` : `; database: ${parts.join(', ')}`;
}
