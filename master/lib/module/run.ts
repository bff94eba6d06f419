// module/: a module's runtime and its programs. FIFO in (fifo), the scanner loop, inject and
// the affairs ladder (affairs, inject-apply), the bandits database, passon to a companion,
// module processes (start detached, find, stop, signal), and the programs bound to a module
// definition: Watch<XX> (this file), Load, Expire, Stat, Prep, <XX>injector, the rule tools.
// It may import core/, net/, firewall/, rules/ and pool/, never service/.
//
// The long-running module: FIFO in, rules, affairs out; HUP reloads rules and reopens the log
// and trace, TERM stops cleanly.
import { join } from 'node:path';
import { LineSplitter } from '../core/lines.js';
import { FifoReader } from './fifo.js';
import { PassonWriter, PASSON_QUEUE } from './passon.js';
import { Scanner } from './scanner.js';
import { StatusFile, newCounters } from '../core/status.js';
import { claimPidFile } from '../core/pidfile.js';
import { loadRuleSet, readRuleSet, type RuleSet } from '../rules/ruleset.js';
import { formatProblem, formatWarning } from '../rules/parse.js';
import { EX_SOFTWARE } from '../core/exit.js';
import type { ModuleDef, LineView } from './def.js';
import { openModule, openInjector } from './context.js';
import { Companion } from './companion.js';
import { MASTER_PATH } from '../core/paths.js';
import { systemClock } from '../core/clock.js';
import type { LineWriter } from '../core/log.js';
import type { Injector } from './inject.js';
import { keepUnwritten, readHeldFile, removeHeldFile } from './held-file.js';

/** The end of a stop's last writes, before the master's SIGKILL (STOP_GRACE): time to keep the rest and exit. */
function stopReserve(graceMs: number): number { return Math.min(1000, Math.max(200, graceMs / 5)); }

/** What a stop keeps after the firewall's last changes: the stopped line, files, exit. */
export const FIREWALL_MARGIN_MS = 250;

/**
 * The stop's firewall changes (the channel's queue) and database close, waited for until
 * `deadline` (clock.mono): past it, the module says how many changes were not confirmed and goes
 * on to its stopped line rather than being killed without one. False: it was late.
 */
export async function closeInTime(inj: { close(): Promise<void>; channel: { pending?(): number } }, deadline: number, grace: number, log: LineWriter): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = inj.close().then(() => true, (e: Error) => { log.write(`firewall at stop: ${e.message}`); return true; });
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), Math.max(0, deadline - systemClock.mono())); });
  const inTime = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (!inTime) log.write(`firewall at stop: ${inj.channel.pending?.() ?? 'some'} adds and deletes not confirmed within STOP_GRACE=${grace} s (custody comes back from the database at the next start)`);
  return inTime;
}

/** Run a module in the foreground until SIGTERM/SIGINT; resolves with the exit code. */
export async function runModule(def: ModuleDef): Promise<number> {
  // Node ends a process on SIGHUP by default: take it before anything slow (ipset, DNS, FIFO).
  let onHup = (): void => { hupEarly = true; };
  let hupEarly = false;
  const hup = (): void => onHup();
  process.on('SIGHUP', hup);
  const { conf, paths, log, trace } = openModule(def);
  let pid: ReturnType<typeof claimPidFile> | undefined;
  let inj: Awaited<ReturnType<typeof openInjector>> | undefined;
  // What a stop (or a failure) could not write, for the next start.
  const heldPath = join(paths.dir, `${def.name}.held`);
  // An error nobody caught is written to the log before the module ends (never silently).
  const fatal = (e: unknown): void => {
    log.write(`fatal: ${(e as Error)?.stack ?? String(e)}`);
    try {
      const left = inj?.injector.abandon() ?? [];
      if (left.length) keepUnwritten(heldPath, left, 'the module failed', log);
    } catch (k) { log.write(`unwritten affairs not kept: ${(k as Error).message}`); }
    log.close();
    trace.close();
    pid?.release();
    process.exit(EX_SOFTWARE);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  let rules: RuleSet;
  try { rules = loadRuleSet(paths.rules, conf.LEVEL); }
  catch (e) { log.write(`start refused: ${(e as Error).message}`); log.close(); throw e; }
  let view: LineView | undefined;
  try { view = def.view?.({ dir: paths.dir, rules: paths.rules, log: (m) => log.write(m) }); }
  catch (e) { log.write(`start refused: ${(e as Error).message}`); log.close(); throw e; }
  pid = claimPidFile(conf.RUN_DIR, def.name);
  const counters = newCounters();
  const status = new StatusFile(join(conf.RUN_DIR, `${def.name}.status`), def.name);
  try { inj = await openInjector(def, conf, paths, trace, log, counters); }
  catch (e) { pid.release(); log.write(`start failed: ${(e as Error).message}`); log.close(); throw e; }
  const injector = inj.injector;
  replayHeld(heldPath, injector, log);
  const passon = def.passonTo ? { name: def.passonTo, writer: new PassonWriter(join(conf.FIFO_BASE, def.passonTo)) } : undefined;
  // The companion's FIFO is made and held before anything is read: the backlog a logger queued
  // while Watcher was stopped is handed over even when the companion is not up yet.
  if (passon) {
    await passon.writer.open();
    if (passon.writer.problem) log.write(`passon to ${passon.name}: ${passon.writer.problem}`);
  }
  const companion = def.companion ? new Companion(def.companion, { master: MASTER_PATH, conf, env: process.env, log }) : undefined;
  companion?.ensure();
  const scanner = new Scanner(rules, { injector, passon, counters, trace, log, sessionWaitMs: conf.SESSION_WAIT * 1000, view });
  const splitter = new LineSplitter();
  const reader = new FifoReader(join(conf.FIFO_BASE, def.name), (chunk) => {
    // A full read (64 KiB) means more is waiting in the FIFO.
    try { scanner.scan(splitter.push(chunk), chunk.length < 65536); }
    catch (e) { log.write(`error in the scanner loop: ${(e as Error).stack ?? e}`); }
    counters.overlong = splitter.overlong;
  }, (m) => log.write(m));
  await reader.open();
  log.write(`started: ${rules.rules.length} rules in ${rules.files.length} files, ${rules.superflousCount} superflous patterns, reading ${reader.path}`);
  for (const w of rules.warnings) log.write(formatWarning(w));
  status.write(counters);
  let syncing = false;
  let lostSeen = 0;
  const tick = setInterval(() => {
    scanner.settle();
    status.write(counters);
    if (counters.passonLost > lostSeen) {
      log.write(`passon to ${passon?.name}: ${counters.passonLost - lostSeen} lines lost (queue over ${PASSON_QUEUE} bytes${passon?.writer.problem ? `; ${passon.writer.problem}` : ''}), ${counters.passonLost} in all`);
      lostSeen = counters.passonLost;
    }
    companion?.ensure();
    void reader.check().catch((e: Error) => log.write(`cannot recreate ${reader.path}: ${e.message}`));
    injector.check();
    if (!syncing) {
      syncing = true;
      inj!.channel.sync().catch((e: Error) => log.write(`firewall: ${e.message}`)).finally(() => { syncing = false; });
    }
  }, 250);

  // The outcome goes to the log and, at once, to the status file's `reloaded` (Refresh reads it).
  onHup = (): void => {
    log.reopen();
    trace.reopen();
    const { set, problems } = readRuleSet(paths.rules, conf.LEVEL);
    const time = new Date().toISOString();
    const viewProblems = view?.reload() ?? [];
    if (viewProblems.length) log.write(`reload (HUP): ${viewProblems.join('; ')}; the old ones stay`);
    if (!set) {
      log.write(`reload (HUP) refused, the old rules stay: ${problems.map(formatProblem).join('; ')}`);
      status.reloaded = { time, ok: false, problems: [...problems.map(formatProblem), ...viewProblems] };
      status.write(counters);
      return;
    }
    scanner.setRules(set);
    for (const w of set.warnings) log.write(formatWarning(w));
    // The reload is said (log, status for Refresh) once the whitelist guard is new too.
    void inj!.reloadSpare().catch((e: Error) => log.write(`whitelist not reloaded: ${e.message}`)).finally(() => {
      log.write(`reloaded (HUP): ${set.rules.length} rules in ${set.files.length} files, ${set.superflousCount} superflous patterns; log and trace reopened`);
      status.reloaded = { time, ok: viewProblems.length === 0, problems: viewProblems, rules: set.rules.length, files: set.files.length };
      status.write(counters);
    });
  };
  if (hupEarly) onHup();
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // The master kills a module STOP_GRACE seconds after SIGTERM: everything below ends before that.
  const graceMs = conf.STOP_GRACE * 1000;
  const stopAt = systemClock.mono() + graceMs;
  clearInterval(tick);
  // What the FIFO holds now is read first (for a companion: what its owner handed over).
  reader.close(true);
  scanner.scan(splitter.end());
  scanner.endSessions();
  // Lines for the companion are handed over before it is told to stop.
  const companionStopped = (passon ? passon.writer.close() : Promise.resolve()).then(() => companion?.stop());
  const left = await injector.stop(stopAt - stopReserve(graceMs), Math.min(conf.DNS_TIMEOUT + 200, graceMs / 2));
  const { lost, problem } = injector.backlog;
  if (left.length) keepUnwritten(heldPath, left, problem ?? 'no DNS answer before the stop', log);
  const fwInTime = await closeInTime(inj, stopAt - FIREWALL_MARGIN_MS, conf.STOP_GRACE, log);
  await companionStopped;
  if (passon) counters.passonLost = Math.max(counters.passonLost, passon.writer.lost);
  status.remove();
  pid.release();
  log.write(`stopped (${signal}): ${counters.lines} lines, ${counters.injected} affairs, ${counters.dropped} dropped${left.length ? `, ${left.length} kept in ${heldPath}` : ''}${lost ? `, ${lost} lost beyond MAX_HELD_AFFAIRS=${conf.MAX_HELD_AFFAIRS}` : ''}${passon ? `, ${counters.passedon} passed on to ${passon.name}, ${counters.passonLost} lost` : ''}${counters.unparsed ? `, ${counters.unparsed} without a syslog header` : ''}`);
  log.close();
  trace.close();
  process.off('SIGHUP', hup);
  process.off('uncaughtException', fatal);
  process.off('unhandledRejection', fatal);
  // Nothing should keep the process after this; should anything, it still ends before the master's SIGKILL.
  // A firewall still busy (its process holds the event loop) is left at once.
  setTimeout(() => process.exit(process.exitCode ?? 0), fwInTime ? Math.max(0, stopAt - systemClock.mono() - 50) : 0).unref();
  return 0;
}

// Affairs an earlier stop could not write: counted first, the file removed once the database has them all.
function replayHeld(path: string, injector: Injector, log: LineWriter): void {
  const { affairs, problems } = readHeldFile(path);
  for (const p of problems) log.write(p);
  if (affairs.length === 0 && problems.length === 0) return;
  log.write(`replaying ${affairs.length} affairs an earlier stop could not write (${path})`);
  injector.replayHeld(affairs, () => {
    removeHeldFile(path);
    log.write(`the ${affairs.length} affairs of ${path} are written; file removed`);
  });
}
