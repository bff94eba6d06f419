// Refresh {lg|mx|mb|wb|ge}...: a running module reloads its rules and superflous_map (SIGHUP).
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { WatcherError, EX_USAGE, EX_UNAVAILABLE } from '../master/lib/core/exit.js';
import { moduleByToken, MODULE_TOKENS } from '../master/lib/core/paths.js';
import { runningPid } from '../master/lib/core/pidfile.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Refresh',
    describe: `reload the rules and superflous_map of running modules: Refresh {${Object.keys(MODULE_TOKENS).join('|').toLowerCase()}}...`,
    options: (y) => y.command('$0 <tokens..>', 'refresh', (c) => c.positional('tokens', { type: 'string', array: true, describe: 'module tokens (lg, mx, ...)' })),
    run: (a: { tokens: string[] }) => {
      const conf = loadWatcherConf({ needs: ['RUN_DIR'] });
      let code = 0;
      for (const token of a.tokens) {
        const name = moduleByToken(String(token));
        if (!name) throw new WatcherError(`unknown module token '${token}' (one of ${Object.keys(MODULE_TOKENS).join(', ').toLowerCase()})`, EX_USAGE);
        const pid = runningPid(conf.RUN_DIR, name);
        if (pid === undefined) { process.stderr.write(`Refresh: ${name} is not running\n`); code = EX_UNAVAILABLE; continue; }
        process.kill(pid, 'SIGHUP');
        process.stdout.write(`${name} (pid ${pid}): reload requested; its log says whether the new rules were taken\n`);
      }
      return code;
    },
  }, argv);
}
