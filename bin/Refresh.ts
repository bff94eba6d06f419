// Refresh {lg|mx|mb|wb|ge}...: running modules reload their rules and superflous_map (SIGHUP) and
// Refresh says whether each took them: 0 taken, 65 refused (the old rules stay), 69 not running.
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { WatcherError, EX_DATAERR, EX_USAGE, EX_UNAVAILABLE } from '../master/lib/core/exit.js';
import { moduleByToken, MODULE_TOKENS } from '../master/lib/core/paths.js';
import { refreshModule, REFRESH_WAIT_S } from '../master/lib/module/refresh.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Refresh',
    describe: `reload the rules and superflous_map of running modules: Refresh {${Object.keys(MODULE_TOKENS).join('|').toLowerCase()}}...`,
    options: (y) => y.command('$0 <tokens..>', 'refresh', (c) => c.positional('tokens', { type: 'string', array: true, describe: 'module tokens (lg, mx, ...)' }))
      .epilog('Exit 0 when every module took its rules, 65 when one refused them (each problem as file:line; it keeps its old rules), 69 when one does not run or does not answer.'),
    run: async (a: { tokens: string[] }) => {
      const conf = loadWatcherConf({ needs: ['RUN_DIR'] });
      const names = a.tokens.map((token) => {
        const name = moduleByToken(String(token));
        if (!name) throw new WatcherError(`unknown module token '${token}' (one of ${Object.keys(MODULE_TOKENS).join(', ').toLowerCase()})`, EX_USAGE);
        return name;
      });
      const outcomes = await Promise.all(names.map((name) => refreshModule(conf.RUN_DIR, name)));
      const codes = outcomes.map((o, i) => {
        const name = names[i];
        switch (o.kind) {
          case 'down': process.stderr.write(`Refresh: ${name} is not running\n`); return EX_UNAVAILABLE;
          case 'silent': process.stderr.write(`Refresh: ${name} (pid ${o.pid}) did not answer within ${REFRESH_WAIT_S} s: see its log\n`); return EX_UNAVAILABLE;
          case 'taken': process.stdout.write(`${name} (pid ${o.pid}): new rules taken: ${o.reloaded.rules} rules in ${o.reloaded.files} files\n`); return 0;
          case 'refused':
            process.stderr.write(`Refresh: ${name} (pid ${o.pid}) refused the new rules, it keeps the old ones:\n${o.reloaded.problems.map((p) => `  ${p}\n`).join('')}`);
            return EX_DATAERR;
        }
      });
      return codes.includes(EX_DATAERR) ? EX_DATAERR : codes.find((c) => c !== 0) ?? 0;
    },
  }, argv);
}
