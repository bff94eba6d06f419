// Trace {LG|MX|MB|WB|GE}: follow a module's trace file, or say that tracing is off.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModuleConf } from '../common.conf.js';
import { GEO_KEYS } from '../master/lib/geo/conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { WatcherError, EX_USAGE, EX_UNAVAILABLE } from '../master/lib/core/exit.js';
import { followFile } from '../master/lib/core/follow.js';
import { moduleByToken, moduleDir, MODULE_TOKENS } from '../master/lib/core/paths.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Trace',
    describe: `follow the trace file of a module: Trace {${Object.keys(MODULE_TOKENS).join('|')}}`,
    options: (y) => y
      .command('$0 <token>', 'follow the trace', (c) => c.positional('token', { type: 'string', describe: 'module token (LG, MX, MB, WB, GE)' }))
      .option('lines', { alias: 'n', type: 'number', default: 100, describe: 'lines of the past to show first' })
      .option('follow', { type: 'boolean', default: true, describe: 'keep following (--no-follow: print and exit)' }),
    run: async (args: { token: string; lines: number; follow: boolean }) => {
      const name = moduleByToken(args.token);
      if (!name) throw new WatcherError(`unknown module token '${args.token}' (one of ${Object.keys(MODULE_TOKENS).join(', ')})`, EX_USAGE);
      const dir = moduleDir(name);
      if (!existsSync(dir)) throw new WatcherError(`module ${name} is not installed (no ${dir})`, EX_UNAVAILABLE);
      // GeoTrack.conf has keys of its own (ENABLED, ZONES, ...): read with their table, no warnings.
      const conf = loadModuleConf(name, name === 'GeoTrack' ? GEO_KEYS : {}, { needs: ['TRACE'] });
      const token = args.token.toUpperCase();
      if (conf.TRACE === '') {
        process.stdout.write(`Tracing for ${token} is off\n`);
        return 0;
      }
      const path = join(dir, `${name}.trace`);
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      await followFile(path, { lines: args.lines, follow: args.follow, out: (s) => process.stdout.write(s), signal: ac.signal });
      return 0;
    },
  }, argv);
}
