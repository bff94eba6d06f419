// FillFW: load the static lists and every Loadfiles/Loadfile-* into the firewall in one batch.
import { runProgram, type Program } from './lib/core/cli.js';
import { openService, withLock } from './lib/service/program.js';
import { fill, loadCode, printLoad } from './lib/service/service.js';

export const fillFW: Program<{ changed: boolean }> = {
  name: 'FillFW',
  describe: 'fill the firewall from the static lists and the load pool (Loadfiles/Loadfile-*), via Loadfiles/Flushload',
  options: (y) => y.option('changed', { type: 'boolean', default: false, describe: 'rebuild only the sets whose sources changed since the last load' }),
  noArgs: { changed: false },
  run: async (args) => {
    const s = openService('FillFW');
    const r = await withLock(s, () => fill(s, { changedOnly: args.changed }));
    printLoad(s, r);
    return loadCode(r);
  },
};

export async function main(argv: string[]): Promise<number> {
  return runProgram(fillFW, argv);
}
