// service/: the master. The verbs of master/watcher (this file: start, stop, reload, full,
// status), the service context and lock (program), loader.conf's Load entries, Prep's steps
// and the system-logger snippets that feed the FIFOs, supervision (check, launch, units), and
// freeme. It may import every other folder below it; only dynload/ imports it (a dynloader's reload).
//
// The watcher service: start, stop, reload, full and status as the master's one-shot commands.
import { rmSync } from 'node:fs';
import type { WatcherSettings } from '../../../common.conf.js';
import { fillFirewall, type FillOptions, type FillReport } from '../pool/fillfw.js';
import { destroyOtherBackend, openFirewall } from '../firewall/index.js';
import { runLoaders } from './loaders.js';
import { companionOwners, installedModules, runningPid, stopModules, pidFiles, signalModules } from '../module/processes.js';
import { stateFile } from '../pool/sources.js';
import { forgetRestarts, markStarted, markStopped } from '../module/supervise.js';
import { describeModule } from '../module/started.js';
import { enabledModules } from './enabled.js';
import { chooseLauncher, launchModule, stopUnits } from './launch.js';
import { exitCodeOf, EX_DATAERR } from '../core/exit.js';

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
export async function fill(s: Service, o: Pick<FillOptions, 'changedOnly' | 'only' | 'held' | 'produce' | 'sets'> = {}): Promise<LoadReport> {
  const progress = process.stderr.isTTY && !o.only ? (n: number) => process.stderr.write(`\r${n} entries ...`) : undefined;
  const r = await fillFirewall({ master: s.master, runDir: s.conf.RUN_DIR, fw: openFirewall(s.conf), ...o, warn: s.warn, progress })
    .finally(() => { if (progress) process.stderr.write('\r\x1b[K'); });
  return { ...r, hupped: r.whiteChanged ? signalModules(s.conf.RUN_DIR, 'SIGHUP') : [] };
}

/** A load's report and the running modules told to reread the whitelist: "name (pid N)". */
export interface LoadReport extends FillReport { hupped: string[] }

/** The exit code of a load that ran: 65 when the backend left a set as it was (the rest is loaded). */
export function loadCode(r: FillReport): number {
  return r.kept.length ? EX_DATAERR : 0;
}

// start's load: a load that fails never keeps the modules from starting over the sets as they are.
async function loadForStart(s: Service): Promise<number> {
  try {
    const r = await fill(s);
    printLoad(s, r);
    return loadCode(r);
  } catch (e) {
    s.warn((e as Error).message);
    s.warn('the firewall load failed: its sets keep what they had; the modules are started all the same');
    return exitCodeOf(e);
  }
}

/**
 * start: run the Load entries, fill the firewall, start the enabled modules and wait until each
 * has passed its own start. Returns the exit code: the load's when it failed or left a set as
 * it was (65, 69, 78, ...), else 1 when a module did not come up (named), else 0.
 */
export async function startService(s: Service): Promise<number> {
  const { installed, companions, enabled } = await enabledModules(s.master, s.conf, s.env);
  s.out(`Installed modules: ${installed.filter((m) => !companions.has(m)).join(' ')}`);
  s.out('');
  await runLoaders(s.master, s.env, s.warn);
  s.out('Loading firewall ...');
  const loaded = await loadForStart(s);
  forgetRestarts(s.conf.RUN_DIR);
  const how = chooseLauncher(s);
  const starting: Promise<{ name: string; ok: boolean; why?: string }>[] = [];
  for (const name of enabled) {
    const pid = runningPid(s.conf.RUN_DIR, name);
    if (pid !== undefined) { s.out(`Module ${name} is already running (pid ${pid})`); continue; }
    s.out(`Starting module ${name} ...`);
    starting.push(launchModule(s, name, how).then((r) => ({ name, ...r })));
  }
  let code = 0;
  for (const r of await Promise.all(starting)) {
    if (!r.ok) { s.warn(`module ${r.name} not started: ${r.why}`); code = 1; }
  }
  // From here on a module that dies is started again (systemd, or watcher check).
  markStarted(s.conf.RUN_DIR);
  return loaded || code;
}

/** stop: end every module (SIGTERM, SIGKILL after STOP_GRACE); the firewall stays as it is. */
export async function stopService(s: Service): Promise<number> {
  markStopped(s.conf.RUN_DIR);
  const installed = installedModules(s.master);
  const companions = await companionOwners(s.master, installed);
  let byUnit: string[] = [];
  if (chooseLauncher(s) === 'systemd') {
    // Every module's unit, also one waiting to restart: systemd must not start it again.
    const units = installed.filter((m) => !companions.has(m));
    byUnit = units.filter((m) => runningPid(s.conf.RUN_DIR, m) !== undefined);
    for (const m of byUnit) s.out(`Stopping module ${m} ...`);
    await stopUnits(units);
  }
  // Then what runs detached (started before the units were installed, a companion left over).
  const stopped = await stopModules(s.conf.RUN_DIR, s.conf.STOP_GRACE, s.out, companions);
  if (stopped.length === 0 && byUnit.length === 0) s.out('No module running');
  return 0;
}

/** reload: fill the firewall again, rebuilding only the sets whose sources changed (a dynloader's: as it writes them). */
export async function reloadService(s: Service, o: Pick<FillOptions, 'held' | 'produce' | 'sets'> = {}): Promise<number> {
  if (s.env.WATCHER_STARTING) {
    s.out('reload: a watcher start is running; its FillFW loads the pool');
    return 0;
  }
  s.out('Loading firewall ...');
  const r = await fill(s, { ...o, changedOnly: true });
  printLoad(s, r);
  return loadCode(r);
}

/** full: stop, remove every firewall object Watcher owns, then start with a blank firewall. */
export async function fullService(s: Service): Promise<number> {
  await stopService(s);
  s.out('Removing Watcher\'s chain and sets ...');
  // A set another program's rule still uses stays (emptied): the host must not stay unprotected.
  try { await openFirewall(s.conf).destroy(); } catch (e) { s.warn(`${(e as Error).message}; starting anyway`); }
  // After FIREWALL was changed: the other backend's chain and sets go too, or both would drop.
  try {
    const other = await destroyOtherBackend(s.conf);
    if (other) s.out(`Removed Watcher's ${other} objects (FIREWALL=${s.conf.FIREWALL} now)`);
  } catch (e) { s.warn(`${(e as Error).message}; starting anyway`); }
  rmSync(stateFile(s.conf.RUN_DIR), { force: true });
  return startService(s);
}

/**
 * status: which modules run (pid and status files) and the entries of every set. 0 all up, 3
 * otherwise; a module down says why (its pid file left behind, its restarts given up).
 */
export async function statusService(s: Service): Promise<number> {
  const { enabled } = await enabledModules(s.master, s.conf, s.env);
  const names = [...new Set([...enabled, ...pidFiles(s.conf.RUN_DIR)])];
  let down = 0;
  s.out('Modules:');
  if (names.length === 0) s.out('  (none installed)');
  for (const name of names) {
    const m = describeModule(s.conf.RUN_DIR, name);
    if (!m.running) down++;
    s.out(`  ${name.padEnd(10)} ${m.text}`);
    for (const line of m.instances ?? []) s.out(`    ${line}`);
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
  return loadCode(r);
}
