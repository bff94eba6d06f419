// Shared pieces of the benchmarks: genlog input (bench/genlog.ts), timing a program, printing a table.
import { execa } from 'execa';
import { closeSync, existsSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLines, type Kind } from './genlog.js';
import { run, spawnChannel } from '../master/lib/core/runner.js';

/** MASTER_PATH of the tree the bench runs from (dist/bench/x.js -> repo). */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

/** Write `lines` lines of a genlog mix (bench/genlog.ts) to a temp file; returns its path. */
export async function genlog(lines: number, args: string[] = []): Promise<string> {
  const kind = args[args.indexOf('--kind') + 1];
  return writeLines(lines, { kind: args.includes('--kind') ? kind as Kind : 'auth' });
}

const GNU_TIME = '/usr/bin/time';

/**
 * Wall-clock seconds of a command and, where GNU time is installed, its CPU seconds (user +
 * system). stdout is discarded; `input` is opened as its stdin as a shell's `< FILE` does (a
 * pipe fed by this process would cost the reader more than a file).
 */
export async function timeCommand(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ s: number; cpu?: number; ok: boolean; stderr: string }> {
  const timed = existsSync(GNU_TIME);
  const stdin = opts.input === undefined ? 'ignore' : openSync(opts.input, 'r');
  try {
    const t0 = performance.now();
    const file = timed ? GNU_TIME : cmd;
    const argv = timed ? ['-f', 'cpu %U %S', cmd, ...args] : args;
    // stdin a file descriptor: execa takes one, its types do not say so.
    const common = { reject: false, stdout: 'ignore', env: opts.env, maxBuffer: 1 << 30 } as const;
    const r = typeof stdin === 'number' ? await execa(file, argv, { ...common, stdin: stdin as unknown as 'inherit' }) : await execa(file, argv, { ...common, stdin: 'ignore' });
    const s = (performance.now() - t0) / 1000;
    const stderr = String(r.stderr ?? '');
    const m = /(?:^|\n)cpu ([0-9.]+) ([0-9.]+)\s*$/.exec(stderr);
    return { s, cpu: m ? Number(m[1]) + Number(m[2]) : undefined, ok: r.exitCode === 0, stderr: m ? stderr.slice(0, m.index) : stderr };
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
  }
}

/** Print rows as an aligned table. */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const all = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  for (const r of all) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
}

export const rate = (n: number, s: number): string => Math.round(n / s).toLocaleString('en-US');

/** A network namespace held open by `unshare -n cat`; commands enter it with nsenter (the host's firewall is never touched). */
export async function openNs() {
  const holder = spawnChannel('unshare', ['-n', '--', 'cat']);
  await new Promise((r) => setTimeout(r, 100));
  const enter = [`--net=/proc/${holder.pid}/ns/net`, '--'];
  return {
    enter,
    run: (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => run('nsenter', [...enter, cmd, ...args], { env, timeout: 1_800_000 }),
    close: async () => { holder.kill('SIGKILL'); await holder; },
  };
}

/** Run a job, print its label and seconds, return the seconds. */
export async function timed(label: string, job: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await job();
  const s = (performance.now() - t0) / 1000;
  console.log(`  ${label.padEnd(56)} ${s.toFixed(3)} s`);
  return s;
}

/** The number given as `--name N` on the command line, or `def`. */
export function numberArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** Load pool entry i of round r: every other one a /28, the rest single addresses; none overlapping. */
export function poolEntry(i: number, round: number): string {
  const n = ((16 + round * 16) * 2 ** 24 + i * 16) >>> 0;
  const a = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  return i % 2 ? a : `${a}/28`;
}
