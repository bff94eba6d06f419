// Prep: check the needed programs, create the system directories, prepare the modules, install the service.
import { existsSync } from 'node:fs';
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from './lib/cli.js';
import { MASTER_PATH } from './lib/paths.js';
import { prepareSystem } from './lib/prepare.js';

const SYSTEMD = '/etc/systemd/system';
const INIT = '/etc/init.d';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Prep',
    describe: 'prepare this system for Watcher (running it again is harmless)',
    options: (y) => y
      .option('install', { type: 'boolean', default: false, describe: 'install missing programs with apt-get' })
      .option('init-dir', { type: 'string', describe: `where the SysV init script goes (default ${INIT}; env WATCHER_INIT_DIR)` })
      .option('systemd-dir', { type: 'string', describe: `where watcher.service goes (default ${SYSTEMD} when systemd runs; env WATCHER_SYSTEMD_DIR)` })
      .option('enable', { type: 'boolean', describe: 'enable the service at boot (default: when the system directories are used)' }),
    run: async (args: { install: boolean; initDir?: string; systemdDir?: string; enable?: boolean }) => {
      const env = process.env;
      const initDir = args.initDir ?? env.WATCHER_INIT_DIR ?? INIT;
      const systemdDir = args.systemdDir ?? env.WATCHER_SYSTEMD_DIR ?? (existsSync('/run/systemd/system') ? SYSTEMD : undefined);
      const own = initDir === INIT && (systemdDir === undefined || systemdDir === SYSTEMD);
      return prepareSystem({
        master: MASTER_PATH,
        conf: loadWatcherConf(),
        install: args.install,
        initDir,
        systemdDir,
        enable: args.enable ?? own,
        say: (l) => process.stdout.write(`${l}\n`),
        warn: (l) => process.stderr.write(`Prep: ${l}\n`),
      });
    },
  }, argv);
}
