// The steps of master/Prep in order: programs, directories, module databases, init scripts and units, tool links.
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WatcherSettings } from '../../../common.conf.js';
import { run } from '../core/runner.js';
import { WatcherError } from '../core/exit.js';
import { installLoggerConf, type InstallLoggerOptions } from './syslog-install.js';
import { checkPrograms, initScript, linkTool, listTools, makeDir, neededPrograms, systemdUnit, writeIfChanged } from './prep-steps.js';
import { companionModules, installedModules, moduleLogFile } from '../module/processes.js';
import { MODULE_UNIT, moduleLogDropIn, moduleUnit, unitOf } from './units.js';
import { installConfs, whitelistNote } from './prep-confs.js';

export interface PrepOptions {
  master: string;
  conf: WatcherSettings;
  install: boolean;
  /** Where the SysV init script goes (/etc/init.d). */
  initDir: string;
  /** Where watcher.service goes (/etc/systemd/system); undefined: systemd is not present. */
  systemdDir: string | undefined;
  /** Enable the service with systemctl / update-rc.d (only for the system's own directories). */
  enable: boolean;
  /** Where the system logger's snippet goes (include directories, main configuration, which logger). */
  logger: Omit<InstallLoggerOptions, 'fifoBase'>;
  say: (line: string) => void;
  warn: (line: string) => void;
}

/** Run every step; returns the exit code (1 when a module's Prep failed). */
export async function prepareSystem(o: PrepOptions): Promise<number> {
  installConfs(o.master, o.say);
  await checkPrograms(neededPrograms(o.conf.FIREWALL), o.install, o.say);
  makeDir(o.conf.RUN_DIR, 0o755, o.say);
  makeDir(o.conf.FIFO_BASE, 0o700, o.say);
  makeDir(o.conf.LOG_DIR, 0o755, o.say);
  makeDir(o.conf.TOOLPATH, 0o755, o.say);
  let code = await feedModules(o);
  const mods = join(o.master, 'modules');
  for (const m of existsSync(mods) ? readdirSync(mods).sort() : []) {
    const prep = join(mods, m, 'Prep');
    try { accessSync(prep, constants.X_OK); } catch { continue; }
    const r = await run(prep, [], { allowFail: true, cwd: join(mods, m) });
    if (r.exitCode === 0) { if (r.stdout.trim()) o.say(r.stdout.trim()); continue; }
    o.warn(`${prep}: failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    code = 1;
  }
  const node = process.execPath;
  const init = join(o.initDir, 'watcher');
  writeIfChanged(init, initScript(o.master, node), 0o755, o.say);
  if (o.systemdDir) {
    writeIfChanged(join(o.systemdDir, 'watcher.service'), systemdUnit(o.master, node), 0o644, o.say);
    await installModuleUnits(o, o.systemdDir, node);
  }
  if (o.enable) await enableService(o);
  for (const tool of listTools(o.master)) linkTool(tool, o.conf.TOOLPATH, o.say, o.warn);
  const note = whitelistNote(o.master);
  if (note) o.say(note);
  o.say('Prep done');
  return code;
}

// The module FIFOs and the system logger's snippet that writes them; a refused snippet is reported, the rest goes on.
async function feedModules(o: PrepOptions): Promise<number> {
  try {
    const r = await installLoggerConf({ ...o.logger, fifoBase: o.conf.FIFO_BASE });
    for (const f of r.fifos) if (f.state === 'created') o.say(`Created FIFO ${f.path}`);
    if (r.logger === 'none') o.warn(r.note);
    else if (r.changed) o.say(r.note);
    return 0;
  } catch (e) {
    if (!(e instanceof WatcherError)) throw e;
    o.warn(e.message);
    return e.exitCode;
  }
}

// The modules' template unit and, for each module the master starts, the drop-in that sends its output to its LOGFILE.
async function installModuleUnits(o: PrepOptions, dir: string, node: string): Promise<void> {
  writeIfChanged(join(dir, MODULE_UNIT), moduleUnit(o.master, node, o.conf.STOP_GRACE), 0o644, o.say);
  const installed = installedModules(o.master);
  const companions = await companionModules(o.master, installed);
  for (const m of installed.filter((n) => !companions.has(n))) {
    let log: string;
    try { log = moduleLogFile(o.master, m, o.conf, process.env); } catch (e) { o.warn(`${unitOf(m)}: ${(e as Error).message}`); continue; }
    writeIfChanged(join(dir, `${unitOf(m)}.d`, 'log.conf'), moduleLogDropIn(o.master, log), 0o644, o.say);
  }
}

// Register the service at boot with what the system has.
async function enableService(o: PrepOptions): Promise<void> {
  if (o.systemdDir) {
    await run('systemctl', ['daemon-reload']);
    await run('systemctl', ['enable', '--quiet', 'watcher.service']);
    o.say('Enabled watcher.service');
  } else {
    const r = await run('update-rc.d', ['watcher', 'defaults'], { allowFail: true }).catch(() => undefined);
    if (r && r.exitCode === 0) o.say('Enabled /etc/init.d/watcher');
  }
}
