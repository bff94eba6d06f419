// A dynloader's Loadfiles: each written when its text changed (tmp + rename), those no longer made removed.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileModeAsync, PRIVATE_MODE } from '../core/files.js';
import type { KeyTable } from '../core/settings.js';
import { addLines } from '../firewall/entries.js';
import { poolDir, statSource } from '../pool/sources.js';
import type { HeldLoadfile, HeldRun } from '../pool/loadfile.js';
import type { DynloaderDef } from './def.js';
import type { Outcome } from './obtain.js';
import type { DynloadState } from './store.js';

/** What became of one Loadfile: written (its entries held for the reload), refused (why), or left as it is. */
export type Written = { file: string; held?: HeldLoadfile; refused?: string } | undefined;

/**
 * Write the Loadfile `lf` of the outcomes `rs` (its parts) when they all have entries and its
 * text changed; a Loadfile with a part that has none (failed, nothing kept) stays as it is. One
 * that would shrink below MIN_SHARE of the one in the pool is refused (not written) unless forced.
 */
export async function writeLoadfile(name: string, master: string, lf: string, rs: readonly Outcome[], guard: { minShare: number; force: boolean; screened: string }, say: (m: string) => void): Promise<Written> {
  if (rs.some((r) => !r.got)) return undefined;
  const file = join(poolDir(master), `Loadfile-${lf}`);
  const parts = [`# Loadfile-${lf}: dynloader ${name} from ${rs.map((r) => r.part.url).join(' ')}\n`];
  const runs: HeldRun[] = [];
  let n = 0;
  for (const r of rs) {
    const { nets, comments, family } = r.got!;
    if (nets.length === 0) continue;
    parts.push(addLines(`add ${r.part.set} `, nets, comments));
    runs.push({ set: r.part.set, nets, comments, family });
    n += nets.length;
  }
  const text = parts.join('');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (old === text) return undefined;
  // The state and kept copies may be lost (a new installation over an old pool): the Loadfile itself is the last word.
  const had = old === undefined ? 0 : countEntries(old);
  if (!guard.force && n * 100 < had * guard.minShare) return { file, refused: `Loadfile-${lf}: ${n} entries would replace ${had} (MIN_SHARE=${guard.minShare}%; Load --force takes it)` };
  // Not a pool name while written (see isPoolName): FillFW never reads half a file.
  await replaceFileModeAsync(file, text, PRIVATE_MODE, join(poolDir(master), `.Loadfile-${lf}.${process.pid}.tmp`));
  const now = statSource(file);
  say(`${file} written: ${n} entries`);
  return { file, held: now && { written: now, first: 2, runs, screened: guard.screened } };
}

/** Remove the Loadfiles of the last run that are no longer configured (a zone taken out of ZONES); their names. */
export function removeUnconfigured<E extends KeyTable>(def: DynloaderDef<E>, name: string, master: string, configured: ReadonlySet<string>, state: DynloadState, say: (m: string) => void): string[] {
  const removed: string[] = [];
  for (const lf of state.loadfiles) {
    if (configured.has(lf) || !def.owns(lf, name)) continue;
    rmSync(join(poolDir(master), `Loadfile-${lf}`), { force: true });
    say(`Loadfile-${lf} removed: no longer configured`);
    removed.push(lf);
  }
  return removed;
}

function countEntries(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\nadd '); i >= 0; i = text.indexOf('\nadd ', i + 1)) n++;
  return n + (text.startsWith('add ') ? 1 : 0);
}
