// Shared pieces of the benchmarks: genlog input, timing a program, printing a table.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** MASTER_PATH of the tree the bench runs from (dist/bench/x.js -> repo). */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const GENLOG = process.env.GENLOG ?? '/work/shared/tools/genlog.py';

/** Write `genlog.py N [args]` to a temp file; returns its path. */
export async function genlog(lines: number, args: string[] = []): Promise<string> {
  if (!existsSync(GENLOG)) throw new Error(`${GENLOG} not found (set GENLOG=/path/to/genlog.py)`);
  const file = join(mkdtempSync(join(tmpdir(), 'bench-')), `auth-${lines}.log`);
  const fd = openSync(file, 'w');
  try {
    const child = spawn('python3', [GENLOG, String(lines), ...args], { stdio: ['ignore', fd, 'inherit'] });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`genlog.py exited with ${code}`);
  } finally { closeSync(fd); }
  return file;
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
