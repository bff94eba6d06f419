// Module processes as the master sees them: installed, started detached, found by pid file, stopped.
import { accessSync, constants, closeSync, existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { WatcherSettings } from '../../common.conf.js';
import { parseAssignments } from './conf.js';
import { isAlive } from './lock.js';
import { openPrivate } from './log.js';
import { spawnDetached } from './runner.js';

/** Modules present in the tree: modules/<name>/<name> is an executable program. */
export function installedModules(master: string): string[] {
  const dir = join(master, 'modules');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => {
    try { accessSync(join(dir, name, name), constants.X_OK); return true; } catch { return false; }
  }).sort();
}

/** The live process of a pid file, when it is one of the module named (checked in /proc/<pid>/cmdline). */
export function runningPid(runDir: string, name: string): number | undefined {
  let pid: number;
  try { pid = Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim()); } catch { return undefined; }
  if (!isAlive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(name) ? pid : undefined;
  } catch { return undefined; }
}

/**
 * The LOGFILE of a module: its conf is read for that one key (a module has keys of its own that
 * only the module knows), else $LOG_DIR/<name>.log.
 */
export function moduleLogFile(master: string, name: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): string {
  const file = join(master, 'modules', name, `${name}.conf`);
  const known: Record<string, string> = { MASTER_PATH: master, LOG_DIR: conf.LOG_DIR, RUN_DIR: conf.RUN_DIR, FIFO_BASE: conf.FIFO_BASE, TOOLPATH: conf.TOOLPATH };
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const set = parseAssignments(text, file, (k) => known[k] ?? env[k]).filter((a) => a.key === 'LOGFILE').pop();
  return set?.value || join(conf.LOG_DIR, `${name}.log`);
}

/** Start a module detached with its output appended to its LOGFILE; returns the pid. */
export function startModule(master: string, name: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): number {
  const fd = openPrivate(moduleLogFile(master, name, conf, env));
  try {
    return spawnDetached(join(master, 'modules', name, name), [], { logFd: fd, cwd: join(master, 'modules', name), env });
  } finally { closeSync(fd); }
}

/** Names of every pid file in RUN_DIR (the modules that run or ran). */
export function pidFiles(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4)).sort();
}

/**
 * Stop every module named by a pid file: SIGTERM, then SIGKILL after `graceSeconds`. A pid file
 * whose process is gone (or is not that module) is removed. Returns the modules stopped.
 */
export async function stopModules(runDir: string, graceSeconds: number, say: (line: string) => void): Promise<string[]> {
  const stopped: string[] = [];
  const waiting: { name: string; pid: number }[] = [];
  for (const name of pidFiles(runDir)) {
    const pid = runningPid(runDir, name);
    if (pid === undefined) { removePid(runDir, name); continue; }
    say(`Stopping module ${name} ...`);
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
    waiting.push({ name, pid });
  }
  const deadline = Date.now() + graceSeconds * 1000;
  while (waiting.some((w) => isAlive(w.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const w of waiting) {
    if (isAlive(w.pid)) {
      say(`Module ${w.name} did not end within ${graceSeconds} s: killed`);
      try { process.kill(w.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    removePid(runDir, w.name);
    stopped.push(w.name);
  }
  return stopped;
}

function removePid(runDir: string, name: string): void {
  try { unlinkSync(join(runDir, `${name}.pid`)); } catch { /* gone */ }
}

/** The status file a running module keeps (contract: RUN_DIR/<name>.status), or undefined. */
export function readModuleStatus(runDir: string, name: string): Record<string, unknown> | undefined {
  try { return JSON.parse(readFileSync(join(runDir, `${name}.status`), 'utf8')) as Record<string, unknown>; } catch { return undefined; }
}
