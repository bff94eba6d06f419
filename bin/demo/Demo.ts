// Demo: Watcher against an ssh attack replayed through a real rsyslogd, in a throwaway sandbox.
import { join } from 'node:path';
import { runProgram } from '../../master/lib/core/cli.js';
import { WatcherError } from '../../master/lib/core/exit.js';
import { MASTER_PATH } from '../../master/lib/core/paths.js';
import { EX_INTERRUPTED, runDemo } from './outside.js';
import { demoPaths } from './install.js';
import { runInside } from './inside.js';
import { DEMO_FIREWALLS, type DemoFirewall } from './sets.js';

const say = (l: string): void => { process.stdout.write(`${l}\n`); };

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Demo',
    describe: 'replay an ssh attack through a private rsyslogd into a throwaway Watcher in its own network namespace, show what Watcher did, clean up (root)',
    options: (y) => y.option('inside', { type: 'string', hidden: true, describe: 'run the steps in this demo directory (the namespace side)' })
      .option('firewall', { choices: DEMO_FIREWALLS, default: 'iptables', describe: 'the firewall backend of the demo\'s installation (FIREWALL in its watcher.conf)' }),
    run: async (args: { inside?: string; firewall: DemoFirewall }) => {
      if (args.inside === undefined) return runDemo(MASTER_PATH, join(MASTER_PATH, 'bin/demo/Demo'), say, args.firewall);
      const ac = new AbortController();
      const stop = (): void => ac.abort(new WatcherError('interrupted', EX_INTERRUPTED));
      // on, not once: execa's exit hook re-raises a signal that has no other listener left.
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await runInside(demoPaths(args.inside), say, ac.signal, args.firewall);
      return 0;
    },
  }, argv);
}
