// The one place where Watcher runs system commands: execa with argument arrays, never a shell.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { basename, join } from 'node:path';
import { execa, type ResultPromise } from '#execa';
import { debug } from './log.js';
import { WatcherError, EX_UNAVAILABLE, EX_SOFTWARE } from './exit.js';
import { systemClock } from './clock.js';

export interface RunResult { stdout: string; stderr: string; exitCode: number; ms: number }

export interface RunOptions {
  /** Data for standard input. */
  input?: string | Buffer;
  /** Milliseconds before the command is killed. */
  timeout?: number;
  /** Return non-zero exits instead of throwing. */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Working directory. */
  cwd?: string;
}

/** Where each command and its duration is reported (the trace of the calling program). */
type Reporter = (line: string) => void;
let reporter: Reporter | undefined;
export function setRunReporter(r: Reporter | undefined): void { reporter = r; }

function describe(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * What a program is given over this process's environment. ipset reads every address through
 * getaddrinfo(), and glibc looks at /etc/resolv.conf again on each call (a stat per entry:
 * a third of a large restore's time went there); Watcher hands ipset numeric addresses only,
 * so it is told not to (`no-reload`, added to any RES_OPTIONS of its own).
 */
function toolEnv(cmd: string, env: NodeJS.ProcessEnv | Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv | undefined {
  if (basename(cmd) !== 'ipset') return env;
  const own = env?.RES_OPTIONS ?? process.env.RES_OPTIONS;
  return { ...env, RES_OPTIONS: own ? `${own} no-reload` : 'no-reload' };
}

/**
 * Commands run together (Promise.all) are started one per turn of the event loop. Starting a
 * process holds this one for milliseconds when it is large (the kernel copies its page tables),
 * and a restore tool's input pipe (64 KiB, a few milliseconds of its parsing) is refilled only
 * between turns: a row of starts in one turn would leave the tool waiting.
 */
let startTurn: Promise<void> = Promise.resolve();
function nextStartTurn(): Promise<void> {
  startTurn = startTurn.then(() => new Promise<void>((r) => setImmediate(r)));
  return startTurn;
}

/** Run a command to completion. A missing program is EX_UNAVAILABLE naming it. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const shown = describe(cmd, args);
  debug(1, shown);
  const file = resolveProgram(cmd);
  await nextStartTurn();
  const t0 = systemClock.mono();
  let r;
  try {
    r = await execa(file, args, {
      input: opts.input,
      timeout: opts.timeout ?? 600_000,
      reject: false,
      stripFinalNewline: false,
      env: toolEnv(cmd, opts.env),
      cwd: opts.cwd,
      maxBuffer: 1024 * 1024 * 1024,
    });
  } catch (e) {
    throw new WatcherError(`${cmd}: ${(e as Error).message}`, EX_SOFTWARE);
  }
  const ms = Math.round(systemClock.mono() - t0);
  const code = r.exitCode ?? -1;
  reporter?.(`[run] ${shown} (exit ${code}, ${ms} ms)`);
  debug(1, `  exit ${code}, ${ms} ms`);
  if (r.failed && r.exitCode === undefined && (r as { code?: string }).code === 'ENOENT') {
    throw new WatcherError(`${cmd}: program not found (install it, or run master/Prep)`, EX_UNAVAILABLE);
  }
  if (r.timedOut) throw new WatcherError(`${shown}: timed out after ${opts.timeout} ms`, EX_SOFTWARE);
  const res = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: code, ms };
  if (code !== 0 && !opts.allowFail) {
    throw new WatcherError(`${shown}: exit ${code}: ${res.stderr.trim().split('\n').slice(0, 5).join('; ')}`, EX_SOFTWARE);
  }
  return res;
}

/** Start a long-running command with piped stdio (a persistent channel such as `ipset -`). */
export function spawnChannel(cmd: string, args: readonly string[], env?: Readonly<Record<string, string>>): ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; reject: false; buffer: false }> {
  debug(1, `${describe(cmd, args)} &`);
  reporter?.(`[run] ${describe(cmd, args)} (channel)`);
  // cleanup: false: execa's exit hook would otherwise re-raise SIGTERM past the program's own handler;
  // a channel ends by itself when its stdin closes.
  return execa(resolveProgram(cmd), args, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, buffer: false, cleanup: false, env: toolEnv(cmd, env) });
}

/** System directories searched after PATH: cron's PATH (/usr/bin:/bin) lacks ipset and iptables. */
export const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The full path of a program on PATH or in the system directories, or undefined. */
export function findProgram(cmd: string, path: string = process.env.PATH ?? ''): string | undefined {
  const dirs = cmd.includes('/') ? [''] : path.split(':').filter(Boolean).concat(SYSTEM_DIRS);
  for (const dir of dirs) {
    const full = dir ? join(dir, cmd) : cmd;
    try { accessSync(full, constants.X_OK); return full; } catch { /* next */ }
  }
  return undefined;
}

/** The path to execute for a program; a missing one is EX_UNAVAILABLE naming it. */
export function resolveProgram(cmd: string): string {
  const file = findProgram(cmd);
  if (!file) throw new WatcherError(`${cmd}: program not found (install it, or run master/Prep)`, EX_UNAVAILABLE);
  return file;
}

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessEnd { code: number | null; signal: NodeJS.Signals | null }

/**
 * Start a long-running program detached (own session), stdout and stderr appended to an open
 * file; returns its pid. `onEnd` hears how it ended while this process still runs.
 */
export function spawnDetached(cmd: string, args: readonly string[], opts: { logFd: number; cwd?: string; env?: NodeJS.ProcessEnv; onEnd?: (end: ProcessEnd) => void }): number {
  debug(1, `${describe(cmd, args)} (detached)`);
  reporter?.(`[run] ${describe(cmd, args)} (detached)`);
  const child = spawn(resolveProgram(cmd), args, { detached: true, stdio: ['ignore', opts.logFd, opts.logFd], cwd: opts.cwd, env: opts.env });
  child.on('error', () => undefined);
  if (opts.onEnd) child.on('exit', (code, signal) => opts.onEnd?.({ code, signal }));
  child.unref();
  if (child.pid === undefined) throw new WatcherError(`${cmd}: cannot start`, EX_UNAVAILABLE);
  return child.pid;
}
