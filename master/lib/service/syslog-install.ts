// Install the logger snippet that feeds the modules (called by master/Prep) and create the FIFOs.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram } from '../core/runner.js';
import { WatcherError, EX_UNAVAILABLE } from '../core/exit.js';
import { ensureFifo } from '../module/fifo.js';
import { FEEDS, fifoPath, findSyslogNgSource, renderRsyslogConf, renderSyslogNgConf, type Feed } from './syslog.js';
import { checkRsyslogConf, checkSyslogNgConf, type LoggerKind, type LoggerProgram } from './syslog-check.js';
import { replaceFileMode, PUBLIC_MODE } from '../core/files.js';

export interface InstallLoggerOptions {
  /** Directory of the FIFOs ($FIFO_BASE). */
  fifoBase: string;
  feeds?: readonly Feed[];
  queueSize?: number;
  /** Use this logger instead of detecting it. */
  logger?: LoggerKind;
  /** rsyslog's include directory (default /etc/rsyslog.d). */
  rsyslogDir?: string;
  /** syslog-ng's include directory (default /etc/syslog-ng/conf.d). */
  syslogNgDir?: string;
  /** syslog-ng's main configuration, read for the name of its local source (default /etc/syslog-ng/syslog-ng.conf). */
  syslogNgMain?: string;
  /** Name of the snippet in the include directory (default watcher.conf). */
  fileName?: string;
  rsyslogd?: LoggerProgram;
  syslogNg?: LoggerProgram;
  /** Where running loggers are looked for (default /proc). */
  procDir?: string;
}

export interface LoggerInstall {
  logger: LoggerKind | 'none';
  /** The installed snippet. */
  path?: string;
  /** The snippet was written (new or different); the logger must be restarted to use it. */
  changed: boolean;
  fifos: { path: string; state: 'created' | 'exists' }[];
  /** One line for the administrator. */
  note: string;
}

const DEFAULTS = { rsyslogDir: '/etc/rsyslog.d', syslogNgDir: '/etc/syslog-ng/conf.d', syslogNgMain: '/etc/syslog-ng/syslog-ng.conf', fileName: 'watcher.conf', procDir: '/proc' };

function programOf(given: LoggerProgram | undefined, name: string): LoggerProgram | undefined {
  if (given) return given;
  const path = findProgram(name);
  return path ? { path } : undefined;
}

/** The names of the processes running now (comm of every /proc/<pid>). */
function runningCommands(procDir: string): Set<string> {
  const names = new Set<string>();
  for (const pid of readdirSync(procDir).filter((d) => /^\d+$/.test(d))) {
    try { names.add(readFileSync(join(procDir, pid, 'comm'), 'utf8').trim()); } catch { /* gone */ }
  }
  return names;
}

/** Which system logger this machine has: installed (program and include directory), and running where both are. */
export function detectLogger(opts: InstallLoggerOptions): LoggerKind | 'none' {
  if (opts.logger) return opts.logger;
  const o = { ...DEFAULTS, ...opts };
  const rs = !!programOf(opts.rsyslogd, 'rsyslogd') && existsSync(o.rsyslogDir);
  const ng = !!programOf(opts.syslogNg, 'syslog-ng') && existsSync(o.syslogNgDir);
  if (rs && ng) return runningCommands(o.procDir).has('syslog-ng') ? 'syslog-ng' : 'rsyslog';
  return rs ? 'rsyslog' : ng ? 'syslog-ng' : 'none';
}

/** Render, syntax-check and install the snippet for the logger found, and create the FIFOs; twice is harmless. */
export async function installLoggerConf(opts: InstallLoggerOptions): Promise<LoggerInstall> {
  const o = { ...DEFAULTS, ...opts };
  const feeds = opts.feeds ?? FEEDS;
  const fifos = [];
  for (const f of feeds) {
    const path = fifoPath(o.fifoBase, f.module);
    const existed = lstatSync(path, { throwIfNoEntry: false }) !== undefined;
    await ensureFifo(path);
    fifos.push({ path, state: existed ? 'exists' as const : 'created' as const });
  }
  const logger = detectLogger(opts);
  if (logger === 'none') {
    const map = feeds.map((f) => `${f.facilities.join(',')} -> ${fifoPath(o.fifoBase, f.module)}`).join('; ');
    return { logger, changed: false, fifos, note: `no rsyslog or syslog-ng found: configure the system logger to write ${map}` };
  }
  const dir = logger === 'rsyslog' ? o.rsyslogDir : o.syslogNgDir;
  if (!existsSync(dir)) throw new WatcherError(`${dir} does not exist: is ${logger} installed?`, EX_UNAVAILABLE);
  let text: string;
  if (logger === 'rsyslog') {
    const prog = programOf(opts.rsyslogd, 'rsyslogd') ?? { path: 'rsyslogd' };
    text = renderRsyslogConf({ fifoBase: o.fifoBase, feeds, queueSize: opts.queueSize });
    await checkRsyslogConf(text, prog);
  } else {
    const prog = programOf(opts.syslogNg, 'syslog-ng') ?? { path: 'syslog-ng' };
    const main = existsSync(o.syslogNgMain) ? readFileSync(o.syslogNgMain, 'utf8') : '';
    const source = findSyslogNgSource(main) ?? 's_src';
    text = renderSyslogNgConf({ fifoBase: o.fifoBase, feeds, queueSize: opts.queueSize, source });
    await checkSyslogNgConf(text, source, prog);
  }
  const path = join(dir, o.fileName);
  const same = existsSync(path) && readFileSync(path, 'utf8') === text;
  if (!same) {
    // The temp name does not end in .conf, so the logger never includes a half-written file.
    replaceFileMode(path, text, PUBLIC_MODE, join(dir, `.${o.fileName}.tmp-${process.pid}`));
  }
  const service = logger === 'rsyslog' ? 'rsyslog' : 'syslog-ng';
  const note = same ? `${path} is up to date (${logger})` : `${path} written for ${logger}: restart it to apply (service ${service} restart)`;
  return { logger, path, changed: !same, fifos, note };
}
