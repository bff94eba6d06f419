// freeme ADDR...: take addresses out of every Watcher set (but the whitelist), every module database and every Loadfile.
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { WatcherError, EX_USAGE, EX_FAIL } from '../master/lib/core/exit.js';
import { normalizeAddress } from '../master/lib/net/address.js';
import { openFirewall } from '../master/lib/firewall/index.js';
import { freeAddress } from '../master/lib/service/freeme.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'freeme',
    describe: 'take addresses out of every Watcher set, module database and Loadfile (an administrator locked out, a false positive); exit 1 when a network still covers one',
    options: (y) => y.command('$0 <addresses..>', 'free', (c) => c.positional('addresses', { type: 'string', array: true }))
      .option('networks', { type: 'boolean', default: false, describe: 'also remove networks (CIDR entries) that cover an address' }),
    run: async (a: { addresses: string[]; networks: boolean }) => {
      // Only the backend matters here: a typo elsewhere in watcher.conf must not lock the administrator out.
      const fw = openFirewall(loadWatcherConf({ needs: ['FIREWALL'] }));
      let still = false;
      for (const raw of a.addresses) {
        const address = normalizeAddress(String(raw));
        if (!address) throw new WatcherError(`not an IPv4 or IPv6 address: ${JSON.stringify(raw)}`, EX_USAGE);
        const { done, blocked } = await freeAddress(fw, address, { networks: a.networks });
        const lines = [...done, ...blocked];
        process.stdout.write(lines.length ? lines.map((d) => `${address}: ${d}\n`).join('') : `${address}: in no set and no database\n`);
        if (blocked.length) still = true;
      }
      return still ? EX_FAIL : 0;
    },
  }, argv);
}
