// Shared pieces of the benchmarks: genlog input (bench/genlog.ts), timing a program, printing a table.
import { execa } from 'execa';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLines, type Kind } from './genlog.js';

/** MASTER_PATH of the tree the bench runs from (dist/bench/x.js -> repo). */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

/** Write `lines` lines of a genlog mix (bench/genlog.ts) to a temp file; returns its path. */
export async function genlog(lines: number, args: string[] = []): Promise<string> {
  const kind = args[args.indexOf('--kind') + 1];
  return writeLines(lines, { kind: args.includes('--kind') ? kind as Kind : 'auth' });
}

/** Wall-clock seconds of a command (stdout discarded). */
export async function timeCommand(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ s: number; ok: boolean; stderr: string }> {
  const t0 = performance.now();
  const r = await execa(cmd, args, { reject: false, stdout: 'ignore', inputFile: opts.input, env: opts.env, maxBuffer: 1 << 30 });
  return { s: (performance.now() - t0) / 1000, ok: r.exitCode === 0, stderr: String(r.stderr ?? '') };
}

/** Print rows as an aligned table. */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const all = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  for (const r of all) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
}

export const rate = (n: number, s: number): string => Math.round(n / s).toLocaleString('en-US');
