// Blacklist: reload the 'blacklist' file of MASTER_PATH into its set without restarting anything.
import { runProgram } from './lib/core/cli.js';
import { openService, withLock } from './lib/service/program.js';
import { refreshList } from './lib/service/service.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Blacklist',
    describe: "refresh the blacklist set from MASTER_PATH/blacklist (no argument; see blacklist-sample for the format)",
    run: async () => {
      const s = openService('Blacklist', ['RUN_DIR', 'FIREWALL']);
      return withLock(s, () => refreshList(s, 'blacklist'));
    },
  }, argv);
}
