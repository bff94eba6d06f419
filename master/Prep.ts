// Prep: check the needed programs, create the system directories, prepare the modules, install the service.
import { existsSync } from 'node:fs';
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from './lib/core/cli.js';
import { MASTER_PATH } from './lib/core/paths.js';
import { prepareSystem } from './lib/service/prep.js';

const SYSTEMD = '/etc/systemd/system';
const INIT = '/etc/init.d';
const RSYSLOG = '/etc/rsyslog.d';
const SYSLOG_NG = '/etc/syslog-ng/conf.d';
const SYSLOG_NG_CONF = '/etc/syslog-ng/syslog-ng.conf';

interface PrepArgs {
  install: boolean; initDir?: string; systemdDir?: string; enable?: boolean;
  logger: 'auto' | 'rsyslog' | 'syslog-ng'; rsyslogDir?: string; syslogNgDir?: string; syslogNgConf?: string;
}

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Prep',
    describe: 'prepare this system for Watcher (running it again is harmless)',
    options: (y) => y
      .option('install', { type: 'boolean', default: false, describe: 'install missing programs with apt-get' })
      .option('init-dir', { type: 'string', describe: `where the SysV init script goes (default ${INIT}; env WATCHER_INIT_DIR)` })
      .option('systemd-dir', { type: 'string', describe: `where watcher.service goes (default ${SYSTEMD} when systemd runs; env WATCHER_SYSTEMD_DIR)` })
      .option('logger', { choices: ['auto', 'rsyslog', 'syslog-ng'], default: 'auto', describe: 'the system logger to configure (auto: the one installed; the running one where both are)' })
      .option('rsyslog-dir', { type: 'string', describe: `rsyslog's include directory (default ${RSYSLOG}; env WATCHER_RSYSLOG_DIR)` })
      .option('syslog-ng-dir', { type: 'string', describe: `syslog-ng's include directory (default ${SYSLOG_NG}; env WATCHER_SYSLOG_NG_DIR)` })
      .option('syslog-ng-conf', { type: 'string', describe: `syslog-ng's main configuration, read for its local source (default ${SYSLOG_NG_CONF}; env WATCHER_SYSLOG_NG_CONF)` })
      .option('enable', { type: 'boolean', describe: 'enable the service at boot (default: when the system directories are used)' }),
    run: async (args: PrepArgs) => {
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
        logger: {
          logger: args.logger === 'auto' ? undefined : args.logger,
          rsyslogDir: args.rsyslogDir ?? env.WATCHER_RSYSLOG_DIR ?? RSYSLOG,
          syslogNgDir: args.syslogNgDir ?? env.WATCHER_SYSLOG_NG_DIR ?? SYSLOG_NG,
          syslogNgMain: args.syslogNgConf ?? env.WATCHER_SYSLOG_NG_CONF ?? SYSLOG_NG_CONF,
        },
        say: (l) => process.stdout.write(`${l}\n`),
        warn: (l) => process.stderr.write(`Prep: ${l}\n`),
      });
    },
  }, argv);
}
