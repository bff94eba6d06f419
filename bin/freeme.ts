// freeme ADDR...: take addresses out of every Watcher set (but the whitelist) and every module database.
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/cli.js';
import { WatcherError, EX_USAGE } from '../master/lib/exit.js';
import { normalizeAddress } from '../master/lib/address.js';
import { openFirewall } from '../master/lib/firewall/index.js';
import { freeAddress } from '../master/lib/freeme.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'freeme',
    describe: 'take addresses out of every Watcher set and every module database (an administrator locked out, a false positive)',
    options: (y) => y.command('$0 <addresses..>', 'free', (c) => c.positional('addresses', { type: 'string', array: true })),
    run: async (a: { addresses: string[] }) => {
      const fw = openFirewall(loadWatcherConf());
      for (const raw of a.addresses) {
        const address = normalizeAddress(String(raw));
        if (!address) throw new WatcherError(`not an IPv4 or IPv6 address: ${JSON.stringify(raw)}`, EX_USAGE);
        const done = await freeAddress(fw, address);
        process.stdout.write(done.length ? done.map((d) => `${address}: ${d}\n`).join('') : `${address}: in no set and no database\n`);
      }
    },
  }, argv);
}
