// What the end-to-end benches read of a running module: its status file, the kernel sets, a wait.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BenchInstall } from './sandbox.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A module's status file, parsed; undefined while there is none. */
export function status(inst: BenchInstall, name: string): Record<string, number> | undefined {
  try { return JSON.parse(readFileSync(join(inst.runDir, `${name}.status`), 'utf8')); } catch { return undefined; }
}

/** Poll `probe` until it gives a value (at most `ms`). */
export async function waitFor<T>(probe: () => T | undefined | false, ms = 600_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

/** The members of a kernel set and its -v6 twin. */
export async function members(set: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const k of [set, `${set}-v6`]) {
    for (const line of String((await execa('ipset', ['list', k], { reject: false })).stdout).split('\n')) {
      const m = /^([0-9a-f:.]+)( timeout \d+)?$/.exec(line);
      if (m && /[.:]/.test(m[1])) out.add(m[1]);
    }
  }
  return out;
}
