// The program of a dynloader: dynload/<name>/<name> and its Load link, bound to a definition.
import { realpathSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { runProgram, type Program } from '../core/cli.js';
import { WatcherError, EX_USAGE } from '../core/exit.js';
import { MASTER_PATH } from '../core/paths.js';
import type { KeyTable } from '../core/settings.js';
import type { DynloaderDef } from './def.js';
import { runDynload } from './dynload.js';

/**
 * The dynloader's name is the directory it runs from (dynload/<name>/), as the seeds' `ME`: a
 * copy of dynload/list as dynload/badhosts is the dynloader badhosts with badhosts.conf.
 */
export function dynloaderName(launcher: string = process.argv[1] ?? '', master: string = MASTER_PATH): string {
  const dir = dirname(realpathSync(launcher));
  const rel = relative(master, dir).split('/');
  if (rel.length !== 2 || rel[0] !== 'dynload') throw new WatcherError(`${launcher}: a dynloader runs from MASTER_PATH/dynload/<name>/, not ${dir}`, EX_USAGE);
  return basename(dir);
}

/** dynload/<name>/<name> [--force] [--no-reload]: fetch, check, write Loadfile-<name>, watcher reload. */
export function runDynloadProgram<E extends KeyTable>(def: DynloaderDef<E>, argv: string[]): Promise<number> {
  return runProgram(dynloadProgram(def), argv);
}

/** The program frame of a dynloader. */
export function dynloadProgram<E extends KeyTable>(def: DynloaderDef<E>): Program<{ force: boolean; reload: boolean }> {
  let name = 'dynloader';
  try { name = dynloaderName(); } catch { /* said by run() */ }
  return {
    name, describe: `${def.describe}; the last good list stays when a download fails`,
    options: (y) => y
      .option('force', { type: 'boolean', default: false, describe: 'download now (MIN_INTERVAL) and take a list however short (MIN_SHARE)' })
      .option('reload', { type: 'boolean', default: true, describe: 'run watcher reload when a Loadfile changed (--no-reload: leave it to the next reload)' })
      .epilog('Exit: 0 done (or nothing changed), 65 a list was bad data, 69 a download failed (the last good list stays in both cases), 78 a bad conf.'),
    noArgs: { force: false, reload: true },
    run: (a) => runDynload(def, dynloaderName(), { force: a.force, reload: a.reload }),
  };
}
