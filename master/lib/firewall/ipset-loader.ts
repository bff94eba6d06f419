// A batch load: one `ipset -exist restore` fed while the Loadfiles are read, ending in swaps.
import { run } from '../core/runner.js';
import { EX_UNAVAILABLE, type WatcherError } from '../core/exit.js';
import { createLine, kernelName, newName } from './ipset-names.js';
import { FlushloadOrigins, rerunWithout } from './ipset-retry.js';
import { LIVE_SETS, type Entry, type Firewall, type KeptSet, type LineRefusal, type Loader, type LoadResult } from './types.js';
import type { Family } from '../net/address.js';
import { RestoreFeed } from './restore-feed.js';
import { addLines } from './entries.js';
const FAMILIES: Family[] = [4, 6];

/**
 * Invariants of a load:
 * - A replaced set X is built as X-new (and X-v6-new) while the live X keeps matching; at the
 *   end of the same restore run each pair is swapped and the old content destroyed, so at no
 *   moment is a source listed before and after let through.
 * - A leftover X-new of an interrupted run is reused after a flush (create -exist; flush).
 * - LIVE_SETS (custody, tarpit) only get adds; -exist keeps what modules put there. The load
 *   does not wait for ensure() to make the sets, but ipset is given nothing from a live set's
 *   first add on until it has (the lines keep their order; the reading waits meanwhile).
 * - Every set named is ensured (created with its rule where missing), in one batch for all
 *   new sets, before the swap lines are written.
 * - What goes to ipset also goes to the Flushload file (0600: it holds attackers' addresses).
 * - A line ipset refuses (the checks before should have caught it) does not stop the load: the
 *   restore runs again from the Flushload without it (ipset-retry.ts). A refused entry is left
 *   out and named by its source's file:line; a refused line of a copy (its create, its swap)
 *   leaves that set as it was. A load given up, or aborted, swaps nothing more and destroys
 *   every copy; the live sets keep what they had.
 */
class IpsetLoader implements Loader {
  private readonly feed: RestoreFeed;
  private readonly replaced = new Set<string>();
  private readonly added = new Set<string>();
  private readonly prefixes = new Map<string, [string, string]>();
  private readonly hints = new Map<string, number>();
  private readonly origins = new FlushloadOrigins();
  private entries = 0;

  constructor(private readonly fw: Firewall, private readonly flushload: string) {
    this.feed = new RestoreFeed('ipset', ['-exist', 'restore'], flushload, 'ipset');
  }

  expect(set: string, entries: number): void {
    if (!this.prefixes.has(set)) this.hints.set(set, entries);
  }

  // The first entry of a set: ensure it, start its copy, and remember the line prefixes.
  private open(set: string): [string, string] {
    let p = this.prefixes.get(set);
    if (p) return p;
    const live = (LIVE_SETS as readonly string[]).includes(set);
    (live ? this.added : this.replaced).add(set);
    const target = (f: Family) => (live ? kernelName(set, f) : newName(kernelName(set, f)));
    p = [`add ${target(4)} `, `add ${target(6)} `];
    this.prefixes.set(set, p);
    if (live) { this.feed.hold(this.fw.ensureSets([set])); return p; }
    for (const f of FAMILIES) {
      this.feed.write(`${createLine(set, target(f), f, f === 4 ? this.hints.get(set) : undefined)}\nflush ${target(f)}\n`);
    }
    this.origins.note(2 * FAMILIES.length);
    return p;
  }

  add(e: Entry, file?: string, at?: number): void {
    let line = this.open(e.set)[e.family === 4 ? 0 : 1] + e.net;
    if (e.timeout !== undefined) line += ` timeout ${e.timeout}`;
    if (e.comment !== undefined) line += ` comment "${e.comment}"`;
    this.feed.write(line + '\n');
    this.origins.note(1, file, at);
    this.entries++;
  }

  addNets(set: string, family: Family, nets: readonly string[], comments: readonly (string | undefined)[] | undefined, file: string, first: number): void {
    if (nets.length === 0) return;
    this.feed.write(addLines(this.open(set)[family === 4 ? 0 : 1], nets, comments));
    this.origins.run(nets.length, file, first);
    this.entries += nets.length;
  }

  drain(): Promise<void> { return this.feed.drain(); }

  async finish(alsoReplace: readonly string[] = [], written?: () => void): Promise<LoadResult> {
    for (const s of alsoReplace) this.open(s);
    try { await this.fw.ensureSets([...this.prefixes.keys()]); } catch (e) { await this.abort(); throw e; }
    for (const set of this.replaced) {
      for (const f of FAMILIES) {
        const kernel = kernelName(set, f);
        this.feed.write(`swap ${newName(kernel)} ${kernel}\ndestroy ${newName(kernel)}\n`);
      }
    }
    let refused: LineRefusal[] = [];
    let kept: KeptSet[] = [];
    let r;
    try {
      r = await this.feed.end(written);
      if (r.exitCode !== 0) ({ refused, kept } = await rerunWithout(this.flushload, r.stderr, this.origins, this.replaced));
    } catch (e) {
      if ((e as WatcherError).exitCode !== EX_UNAVAILABLE) await this.destroyCopies([...this.replaced]);
      throw e;
    }
    if (r.exitCode !== 0) await this.destroyCopies(kept.map((k) => k.set));
    const rebuilt = [...this.replaced].filter((s) => !kept.some((k) => k.set === s));
    return { entries: this.entries - refused.length, replaced: rebuilt, added: [...this.added], refused, kept };
  }

  async abort(): Promise<void> {
    await this.feed.kill();
    await this.destroyCopies([...this.replaced]);
  }

  // Remove the copies of these sets (both families); a copy already gone is no error.
  private async destroyCopies(sets: readonly string[]): Promise<void> {
    const lines = sets.flatMap((s) => FAMILIES.map((f) => `destroy ${newName(kernelName(s, f))}`));
    if (lines.length) await run('ipset', ['-exist', 'restore'], { input: lines.join('\n') + '\n', allowFail: true });
  }
}

/** Start a batch load whose restore input is also written to `flushload`. */
export function openIpsetLoader(fw: Firewall, flushload: string): Loader {
  return new IpsetLoader(fw, flushload);
}
