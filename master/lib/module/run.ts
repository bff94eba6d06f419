// The long-running module: FIFO in, rules, affairs out; HUP reloads rules, TERM stops cleanly.
import { join } from 'node:path';
import { LineSplitter } from '../lines.js';
import { FifoReader, FifoWriter } from '../fifo.js';
import { Scanner } from '../scanner.js';
import { StatusFile, newCounters } from '../status.js';
import { claimPidFile } from '../pidfile.js';
import { loadRuleSet, readRuleSet } from '../rules/ruleset.js';
import { formatProblem } from '../rules/parse.js';
import type { ModuleDef } from './def.js';
import { openModule, openInjector } from './context.js';

/** Run a module in the foreground until SIGTERM/SIGINT; resolves with the exit code. */
export async function runModule(def: ModuleDef): Promise<number> {
  const { conf, paths, log, trace } = openModule(def);
  let rules;
  try { rules = loadRuleSet(paths.rules); }
  catch (e) { log.write(`start refused: ${(e as Error).message}`); log.close(); throw e; }
  const pid = claimPidFile(conf.RUN_DIR, def.name);
  const counters = newCounters();
  const status = new StatusFile(join(conf.RUN_DIR, `${def.name}.status`), def.name);
  let inj;
  try { inj = await openInjector(def, conf, paths, trace, log, counters); }
  catch (e) { pid.release(); log.write(`start failed: ${(e as Error).message}`); log.close(); throw e; }
  const passon = def.passonTo ? { name: def.passonTo, writer: new FifoWriter(join(conf.FIFO_BASE, def.passonTo)) } : undefined;
  const scanner = new Scanner(rules, { injector: inj.injector, passon, counters, trace });
  const splitter = new LineSplitter();
  const reader = new FifoReader(join(conf.FIFO_BASE, def.name), (chunk) => {
    // A full read (64 KiB) means more is waiting in the FIFO.
    try { scanner.scan(splitter.push(chunk), chunk.length < 65536); }
    catch (e) { log.write(`error in the scanner loop: ${(e as Error).stack ?? e}`); }
    counters.overlong = splitter.overlong;
  }, (m) => log.write(m));
  await reader.open();
  log.write(`started: ${rules.rules.length} rules in ${rules.files.length} files, ${rules.superflousCount} superflous patterns, reading ${reader.path}`);
  status.write(counters);
  let syncing = false;
  const tick = setInterval(() => {
    status.write(counters);
    void reader.check().catch((e: Error) => log.write(`cannot recreate ${reader.path}: ${e.message}`));
    if (!syncing) {
      syncing = true;
      inj.channel.sync().catch((e: Error) => log.write(`firewall: ${e.message}`)).finally(() => { syncing = false; });
    }
  }, 250);

  const reload = (): void => {
    const { set, problems } = readRuleSet(paths.rules);
    if (!set) { log.write(`reload (HUP) refused, the old rules stay: ${problems.map(formatProblem).join('; ')}`); return; }
    scanner.setRules(set);
    log.write(`reloaded (HUP): ${set.rules.length} rules in ${set.files.length} files, ${set.superflousCount} superflous patterns`);
    void inj.reloadSpare().catch((e: Error) => log.write(`whitelist not reloaded: ${e.message}`));
  };
  process.on('SIGHUP', reload);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.off('SIGHUP', reload);
  clearInterval(tick);
  reader.close();
  scanner.scan(splitter.end());
  const wait = new Promise<void>((r) => setTimeout(r, conf.DNS_TIMEOUT * 2 + 500).unref());
  await Promise.race([inj.injector.settled(), wait]);
  try { await inj.close(); } catch (e) { log.write(`firewall at stop: ${(e as Error).message}`); }
  passon?.writer.close();
  status.write(counters);
  pid.release();
  log.write(`stopped (${signal}): ${counters.lines} lines, ${counters.injected} affairs, ${counters.dropped} dropped`);
  log.close();
  trace.close();
  return 0;
}
