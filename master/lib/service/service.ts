// service/: the master. The verbs of master/watcher (this file: start, stop, reload, full,
// status), the service context and lock (program), loader.conf's Load entries, Prep's steps
// and the system-logger snippets that feed the FIFOs, and freeme. It may import every other
// folder; nothing imports it.
//
// The watcher service: start, stop, reload, full and status as the master's one-shot commands.
import { rmSync } from 'node:fs';
import type { WatcherSettings } from '../../../common.conf.js';
import { fillFirewall, type FillReport } from '../pool/fillfw.js';
import { openFirewall } from '../firewall/index.js';
import { runLoaders } from './loaders.js';
import { companionModules, companionOwners, describeBacklog, installedModules, readModuleStatus, runningPid, startModule, stopModules, pidFiles, signalModules } from '../module/processes.js';
import { stateFile } from '../pool/sources.js';
import { isAlive } from '../core/pidfile.js';

export interface Service {
  master: string;
  conf: WatcherSettings;
  env: NodeJS.ProcessEnv;
  /** The summary lines (stdout). */
  out: (line: string) => void;
  /** Problems and notices (stderr). */
  warn: (line: string) => void;
}

/** The seeds' load summary, and which modules were told to reread a changed whitelist. */
export function printLoad(s: Service, r: LoadReport): void {
  s.out(`Took ${r.seconds.toFixed(6)} seconds`);
  s.out(`for ${r.drops} total firewall drops`);
  s.out(`Loadrate: ${r.seconds > 0 ? Math.round(r.drops / r.seconds) : r.drops} DROPs per second`);
  if (r.hupped.length) s.out(`Whitelist changed: ${r.hupped.join(', ')} reread it (SIGHUP)`);
}

/** A load as the service runs it: FillFW (a progress line on a terminal), then every running
 *  module told to reread a whitelist that changed (SIGHUP), so its guard spares the new entries. */
export async function fill(s: Service, o: { changedOnly?: boolean; only?: readonly string[] } = {}): Promise<LoadReport> {
  const progress = process.stderr.isTTY && !o.only ? (n: number) => process.stderr.write(`\r${n} entries ...`) : undefined;
  const r = await fillFirewall({ master: s.master, runDir: s.conf.RUN_DIR, fw: openFirewall(s.conf), ...o, warn: s.warn, progress })
    .finally(() => { if (progress) process.stderr.write('\r\x1b[K'); });
  return { ...r, hupped: r.whiteChanged ? signalModules(s.conf.RUN_DIR, 'SIGHUP') : [] };
}

/** A load's report and the running modules told to reread the whitelist: "name (pid N)". */
export interface LoadReport extends FillReport { hupped: string[] }

/** start: run the Load entries, fill the firewall, start the enabled modules. Returns the exit code. */
export async function startService(s: Service): Promise<number> {
  const installed = installedModules(s.master);
  const companions = await companionModules(s.master, installed);
  s.out(`Installed modules: ${installed.filter((m) => !companions.has(m)).join(' ')}`);
  s.out('');
  await runLoaders(s.master, s.env, s.warn);
  s.out('Loading firewall ...');
  printLoad(s, await fill(s));
  let code = 0;
  const started: { name: string; pid: number }[] = [];
  for (const name of s.conf.MODULES.filter((m) => installed.includes(m))) {
    const pid = runningPid(s.conf.RUN_DIR, name);
    if (pid !== undefined) { s.out(`Module ${name} is already running (pid ${pid})`); continue; }
    s.out(`Starting module ${name} ...`);
    try { started.push({ name, pid: startModule(s.master, name, s.conf, s.env) }); } catch (e) {
      s.warn(`module ${name} not started: ${(e as Error).message}`);
      code = 1;
    }
  }
  if (started.length) await new Promise((r) => setTimeout(r, 500));
  for (const m of started) {
    if (!isAlive(m.pid)) { s.warn(`module ${m.name} ended right after its start: see its log file`); code = 1; }
  }
  return code;
}

/** stop: end every module (SIGTERM, SIGKILL after STOP_GRACE); the firewall stays as it is. */
export async function stopService(s: Service): Promise<number> {
  const companions = await companionOwners(s.master, installedModules(s.master));
  const stopped = await stopModules(s.conf.RUN_DIR, s.conf.STOP_GRACE, s.out, companions);
  if (stopped.length === 0) s.out('No module running');
  return 0;
}

/** reload: fill the firewall again, rebuilding only the sets whose sources changed. */
export async function reloadService(s: Service): Promise<number> {
  if (s.env.WATCHER_STARTING) {
    s.out('reload: a watcher start is running; its FillFW loads the pool');
    return 0;
  }
  s.out('Loading firewall ...');
  printLoad(s, await fill(s, { changedOnly: true }));
  return 0;
}

/** full: stop, remove every firewall object Watcher owns, then start with a blank firewall. */
export async function fullService(s: Service): Promise<number> {
  await stopService(s);
  s.out('Removing Watcher\'s chain and sets ...');
  // A set another program's rule still uses stays (emptied): the host must not stay unprotected.
  try { await openFirewall(s.conf).destroy(); } catch (e) { s.warn(`${(e as Error).message}; starting anyway`); }
  rmSync(stateFile(s.conf.RUN_DIR), { force: true });
  return startService(s);
}

/** status: which modules run (pid and status files) and the entries of every set. 0 all up, 3 otherwise. */
export async function statusService(s: Service): Promise<number> {
  const installed = installedModules(s.master);
  const names = [...new Set([...s.conf.MODULES.filter((m) => installed.includes(m)), ...pidFiles(s.conf.RUN_DIR)])];
  let down = 0;
  s.out('Modules:');
  if (names.length === 0) s.out('  (none installed)');
  for (const name of names) {
    const pid = runningPid(s.conf.RUN_DIR, name);
    if (pid === undefined) { down++; s.out(`  ${name.padEnd(10)} not running`); continue; }
    // A status file left by an earlier process (killed before it could remove it) is not this one's.
    const read = readModuleStatus(s.conf.RUN_DIR, name);
    const st = read?.pid === pid ? read : undefined;
    const age = st && typeof st.updated === 'string' ? Math.round((Date.now() - Date.parse(st.updated)) / 1000) : undefined;
    const figures = st ? ['lines', 'skipped', 'untreated', 'injected', 'tarpitted', 'dropped'].map((k) => `${k} ${st[k] ?? '?'}`).join(', ') : 'no status file';
    s.out(`  ${name.padEnd(10)} running, pid ${pid}${st?.started ? ` since ${st.started}` : ''}: ${figures}${age !== undefined ? ` (status ${age} s old)` : ''}${st ? describeBacklog(st) : ''}`);
  }
  const fw = openFirewall(s.conf);
  const counts = await fw.counts();
  s.out(`Firewall (${fw.name}):`);
  if (counts.size === 0) { s.out('  Watcher\'s chain is not loaded'); down++; }
  for (const [set, n] of counts) s.out(`  ${set.padEnd(24)} ${n}`);
  return down ? 3 : 0;
}

/** Blacklist / Whitelist: refresh one static list's set without restarting anything. */
export async function refreshList(s: Service, name: 'blacklist' | 'whitelist'): Promise<number> {
  const r = await fill(s, { only: [name] });
  s.out(`Set ${name}: ${r.counts.get(name) ?? 0} entries${r.problems ? ` (${r.problems} bad lines skipped)` : ''}`);
  if (r.hupped.length) s.out(`Whitelist changed: ${r.hupped.join(', ')} reread it (SIGHUP)`);
  return 0;
}
