// What the end-to-end benches read of a running module: its status file, the kernel sets, a wait.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type Database from 'better-sqlite3';
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

/** Rows by status of a module database. */
export function rowsByStatus(db: Database.Database): Record<string, number> {
  return Object.fromEntries((db.prepare('SELECT status, COUNT(*) AS n FROM bandits GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
}

/**
 * Wait (at most 20 s) until custody holds the DROP rows and tarpit the others. An address
 * dropped by one channel while another tarpits it can stay in tarpit too until its timeout:
 * custody decides, so the tarpit is compared without the custody members.
 */
export async function setsAgree(by: Record<string, number>): Promise<{ custody: number; tarpit: number }> {
  let custody = 0, tarpit = 0;
  for (let i = 0; i < 400; i++) {
    const c = await members('custody');
    custody = c.size;
    tarpit = [...await members('tarpit')].filter((a) => !c.has(a)).length;
    if (custody === (by.DROP ?? 0) && tarpit === (by.INITIAL ?? 0) + (by.TARPIT ?? 0)) break;
    await sleep(50);
  }
  return { custody, tarpit };
}

/** The measures every end-to-end bench prints after its own: sets against database rows. */
export function agreementRows(by: Record<string, number>, a: { custody: number; tarpit: number }): string[][] {
  return [
    ['DROP rows / custody entries', `${by.DROP ?? 0} / ${a.custody}`],
    ['tarpit rows / tarpit entries not in custody', `${(by.INITIAL ?? 0) + (by.TARPIT ?? 0)} / ${a.tarpit}`],
  ];
}
