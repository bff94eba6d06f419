// Bandits [--module M] [--set S]... [--json] [ADDR|NET]: who is blocked or watched, since when, by which rule, until when; one address explained.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { MASTER_PATH } from '../master/lib/core/paths.js';
import { WatcherError, EX_USAGE } from '../master/lib/core/exit.js';
import { parseNet } from '../master/lib/net/address.js';
import { openFirewall } from '../master/lib/firewall/index.js';
import { databaseModules, gatherBandits, ladderOf, matchesNet, readRows, type Ladder } from '../master/lib/service/bandits.js';
import { explainAddress, formatExplanation, formatTable, viewLines } from '../master/lib/service/bandits-view.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Bandits',
    describe: 'the blocked and the watched: every entry of tarpit and custody and every database row, with its source, affairs, class, times and end; one address (Bandits ADDR) explained',
    options: (y) => y
      .command('$0 [filter]', 'list', (c) => c.positional('filter', { type: 'string', describe: 'an address (explain it) or a network (the entries inside or covering it)' }))
      .option('module', { type: 'string', describe: 'only the rows of this module (WatchLG, WatchMX, WatchMB, ...)' })
      .option('set', { type: 'string', array: true, describe: 'the entries of this set (repeatable; default tarpit and custody, and the watched rows)' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON document' }),
    run: async (a: { filter?: string; module?: string; set?: string[]; json: boolean }) => {
      const conf = loadWatcherConf({ needs: ['FIREWALL'] });
      const fw = openFirewall(conf);
      const ladders = new Map<string, Ladder>();
      const ladder = (m: string): Ladder => { if (!ladders.has(m)) ladders.set(m, ladderOf(m, MASTER_PATH)); return ladders.get(m)!; };
      const f = a.filter !== undefined ? parseNet(a.filter) : undefined;
      if (a.filter !== undefined && !f) throw new WatcherError(`not an address or network: ${JSON.stringify(a.filter)}`, EX_USAGE);
      const modules = databaseModules(MASTER_PATH);
      const installed = existsSync(join(MASTER_PATH, 'modules')) ? readdirSync(join(MASTER_PATH, 'modules')).sort() : [];
      if (a.module !== undefined && !installed.includes(a.module)) throw new WatcherError(`--module ${JSON.stringify(a.module)}: no such module (${installed.join(', ')})`, EX_USAGE);
      if (f && !a.filter!.includes('/') && a.module === undefined && a.set === undefined) {
        const x = await explainAddress(fw, MASTER_PATH, f, modules);
        process.stdout.write(a.json ? JSON.stringify(x, null, 2) + '\n' : formatExplanation(x, ladder));
        return 0;
      }
      const sets = a.set ?? ['custody', 'tarpit'];
      const present = await fw.sets();
      const unknown = sets.filter((x) => a.set && !present.includes(x));
      if (unknown.length) throw new WatcherError(`--set ${unknown.map((x) => JSON.stringify(x)).join(', ')}: no such Watcher set (${present.join(', ') || "Watcher's chain is not loaded"})`, EX_USAGE);
      // A large installation takes seconds: say so at a terminal, then clear the line.
      const progress = process.stderr.isTTY ? (what: string) => process.stderr.write(`\r\x1b[K${what}`) : () => undefined;
      progress(`reading ${modules.map((m) => `${m}.db`).join(', ')} ...`);
      const rows = readRows(MASTER_PATH);
      progress(`reading sets ${sets.join(', ')} ...`);
      const bandits = (await gatherBandits(fw, MASTER_PATH, sets, rows))
        .filter((b) => (!f || matchesNet(b, f)) && (!a.set || b.sets.length > 0));
      progress('');
      const lines = viewLines(bandits, ladder, a.module);
      process.stdout.write(a.json ? JSON.stringify(lines, null, 2) + '\n' : formatTable(lines));
      return 0;
    },
  }, argv);
}
