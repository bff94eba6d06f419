// watcher {start|stop|restart|reload|full|status|check}: the Watcher master service.
import type { WatcherKey } from '../common.conf.js';
import { runProgram } from './lib/core/cli.js';
import { openService, withLock } from './lib/service/program.js';
import { fullService, reloadService, startService, statusService, stopService } from './lib/service/service.js';
import { checkService } from './lib/service/check.js';

const COMMANDS = ['start', 'stop', 'restart', 'reload', 'full', 'status', 'check'] as const;
type Command = typeof COMMANDS[number];

/**
 * What stop and status cannot do without: a typo elsewhere in watcher.conf (STOP_GRACE=abc
 * included: stop then waits the default 5 s) is a warning, so a locked-out administrator can
 * still stop and look. start, restart, reload and full refuse any bad value (exit 78).
 */
const NEEDS: Partial<Record<Command, readonly WatcherKey[]>> = {
  stop: ['RUN_DIR'],
  status: ['RUN_DIR', 'FIREWALL', 'MODULES'],
};

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'watcher',
    describe: 'the Watcher service: load the firewall and start the modules (one-shot)',
    options: (y) => y.command('$0 <command>', 'start | stop | restart | reload | full | status | check', (c) => c.positional('command', { choices: COMMANDS, describe: 'what to do' }))
      .epilog('start: run the Load entries of loader.conf, fill the firewall, start the modules. stop: end the modules. '
        + 'restart: stop + start. reload: fill the firewall again (for dynloaders). full: stop, remove Watcher\'s chain and sets, start. '
        + 'status: modules and set sizes (exit 3 when something is down). '
        + 'check: start again every module that is down (crontab, every minute; silent when all run).'),
    run: async (args: { command: Command }) => {
      const s = openService('watcher', NEEDS[args.command]);
      switch (args.command) {
        case 'status': return statusService(s);
        case 'check': return checkService(s);
        case 'reload': return s.env.WATCHER_STARTING ? reloadService(s) : withLock(s, () => reloadService(s));
        case 'start': return withLock(s, () => startService(s));
        case 'stop': return withLock(s, () => stopService(s));
        case 'restart': return withLock(s, async () => { await stopService(s); return startService(s); });
        case 'full': return withLock(s, () => fullService(s));
      }
    },
  }, argv);
}
