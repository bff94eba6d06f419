// core/: the ground every program stands on. Settings and the KEY=VALUE parser, MASTER_PATH
// and module paths, the program frame (this file) and exit codes, the clock, log and trace
// writers, byte chunks to lines, the command runner (execa, never a shell), pid files, the
// master's lock, the module status file, file modes, mail and file following. It may import node and npm
// packages only: nothing of Watcher's outside core/.
//
// The frame of every entry file: debug/debug2, --help via yargs, errors mapped to exit codes.
import type { Argv } from 'yargs';
import { exitCodeOf, EX_USAGE, WatcherError } from './exit.js';
import { setVerbosity } from './log.js';

export interface Program<A> {
  /** Program name as the seeds call it (Trace, FillFW, WatchLG). */
  name: string;
  /** One line for --help. */
  describe: string;
  /** Declare positional arguments and options. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options?: (y: Argv) => Argv<any>;
  /**
   * The arguments of an empty command line. Given, an empty command line does not load the
   * option parser: a program that cron or the master runs without arguments starts faster.
   * They must be what the options' defaults give (test/master/lib/core/cli.test.ts).
   */
  noArgs?: A;
  /** The work; returns the exit code (0 when nothing is returned). */
  run: (args: A) => Promise<number | void> | number | void;
}

/** Strip the seeds' `debug` / `debug2` first argument and set the verbosity. */
export function takeDebug(argv: string[]): string[] {
  if (argv[0] === 'debug') { setVerbosity(1); return argv.slice(1); }
  if (argv[0] === 'debug2') { setVerbosity(2); return argv.slice(1); }
  return argv;
}

/** Run a program: parse, run, and set process.exitCode; messages go to stderr as `name: ...`. */
export async function runProgram<A>(prog: Program<A>, argv: string[]): Promise<number> {
  quietOnClosedOutput();
  let code: number;
  try {
    const rest = takeDebug(argv);
    if (rest.length === 0 && prog.noArgs !== undefined) code = (await prog.run(prog.noArgs)) ?? 0;
    else {
      const args = await parseArgs(prog, rest);
      code = rest.includes('--help') || rest.includes('-h') ? 0 : (await prog.run(args)) ?? 0;
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${prog.name}: ${msg}\n`);
    if (!(err instanceof WatcherError)) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    code = exitCodeOf(err);
  }
  process.exitCode = code;
  return code;
}


/** Parse a command line with yargs (loaded on first use); --help prints the usage. */
export async function parseArgs<A>(prog: Program<A>, rest: string[]): Promise<A> {
  const { default: yargs } = await import('yargs');
  const y = yargs(rest)
    .scriptName(prog.name)
    .usage(`$0 - ${prog.describe}`)
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => { throw err ?? new WatcherError(msg, EX_USAGE); })
    .epilog("A first argument 'debug' or 'debug2' traces what the program runs on stderr.");
  const built = prog.options ? prog.options(y) : y;
  return (await built.parseAsync()) as unknown as A;
}

/**
 * A reader that goes away (`watcher status | head -5`) ends the program quietly, as a shell
 * tool would, instead of an unhandled EPIPE stack trace; other stream errors still surface.
 */
export function quietOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}
