// Whitelist: reload the 'whitelist' file of MASTER_PATH into its set without restarting anything.
import { runProgram } from './lib/core/cli.js';
import { openService, withLock } from './lib/service/program.js';
import { refreshList } from './lib/service/service.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Whitelist',
    describe: "refresh the whitelist set from MASTER_PATH/whitelist (no argument; see whitelist-sample for the format)",
    run: async () => {
      const s = openService('Whitelist', ['RUN_DIR', 'FIREWALL']);
      return withLock(s, () => refreshList(s, 'whitelist'));
    },
  }, argv);
}
