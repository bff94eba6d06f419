// watcher {start|stop|restart|reload|full|status}: the Watcher master service.
import { runProgram } from './lib/core/cli.js';
import { openService, withLock } from './lib/service/program.js';
import { fullService, reloadService, startService, statusService, stopService } from './lib/service/service.js';

const COMMANDS = ['start', 'stop', 'restart', 'reload', 'full', 'status'] as const;
type Command = typeof COMMANDS[number];

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'watcher',
    describe: 'the Watcher service: load the firewall and start the modules (one-shot)',
    options: (y) => y.command('$0 <command>', 'start | stop | restart | reload | full | status', (c) => c.positional('command', { choices: COMMANDS, describe: 'what to do' }))
      .epilog('start: run the Load entries of loader.conf, fill the firewall, start the modules. stop: end the modules. '
        + 'restart: stop + start. reload: fill the firewall again (for dynloaders). full: stop, remove Watcher\'s chain and sets, start. '
        + 'status: modules and set sizes (exit 3 when something is down).'),
    run: async (args: { command: Command }) => {
      const s = openService('watcher');
      switch (args.command) {
        case 'status': return statusService(s);
        case 'reload': return s.env.WATCHER_STARTING ? reloadService(s) : withLock(s, () => reloadService(s));
        case 'start': return withLock(s, () => startService(s));
        case 'stop': return withLock(s, () => stopService(s));
        case 'restart': return withLock(s, async () => { await stopService(s); return startService(s); });
        case 'full': return withLock(s, () => fullService(s));
      }
    },
  }, argv);
}
