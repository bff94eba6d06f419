// FillFW: load the static lists and every Loadfiles/Loadfile-* into the firewall in one batch.
import { runProgram } from './lib/cli.js';
import { fillFirewall } from './lib/fillfw.js';
import { openFirewall } from './lib/firewall/index.js';
import { openService, withLock } from './lib/program.js';
import { printLoad } from './lib/service.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'FillFW',
    describe: 'fill the firewall from the static lists and the load pool (Loadfiles/Loadfile-*), via Loadfiles/Flushload',
    options: (y) => y.option('changed', { type: 'boolean', default: false, describe: 'rebuild only the sets whose sources changed since the last load' }),
    run: async (args: { changed: boolean }) => {
      const s = openService('FillFW');
      const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\r${n} entries ...`) : undefined;
      const r = await withLock(s, () => fillFirewall({ master: s.master, runDir: s.conf.RUN_DIR, fw: openFirewall(s.conf), changedOnly: args.changed, warn: s.warn, progress }));
      if (progress) process.stderr.write('\r\x1b[K');
      printLoad(s, r);
      return 0;
    },
  }, argv);
}
