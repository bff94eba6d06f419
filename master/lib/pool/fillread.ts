// FillFW's reading side: one source (static list or Loadfile) fed to the loader, its problems reported.
import { readFileSync } from 'node:fs';
import type { NetMatcher } from '../net/netmatch.js';
import { parseList } from './lists.js';
import { scanHeld, scanLoadfile, type HeldLoadfile, type LineProblem, type ScanSink } from './loadfile.js';
import { isUnchanged, statSource, type Source } from './sources.js';
import { LIVE_SETS, type Entry, type Firewall, type Loader } from '../firewall/types.js';
import type { Family } from '../net/address.js';
import { parseIPv4 } from '../net/ip.js';

/** What the reading of the sources counts, and what it may not load. */
export interface Tally {
  entries: number;
  problems: number;
  spared: number;
  read: string[];
  /** Sets no Loadfile may fill (Firewall.foreign()). */
  foreign: Set<string>;
  /** Loadfiles whose writer handed over their entries (by path): not parsed again while unchanged. */
  held?: ReadonlyMap<string, HeldLoadfile>;
  /** The entries given to the whitelist set (what it holds once the load is in). */
  white: string[];
  /** Every set given an entry. */
  fed: Set<string>;
}

const SHOWN_PER_FILE = 100;

/** A set that modules fill live (custody, tarpit). */
export const isLive = (set: string): boolean => (LIVE_SETS as readonly string[]).includes(set);

/** Feed one source to the loader; returns the sets it named with at least one entry. */
export async function readSource(s: Source, loader: Loader, never: NetMatcher, tally: Tally, warn: (l: string) => void,
  progress?: (n: number) => void, wants?: (set: string) => boolean): Promise<Set<string>> {
  const named = new Set<string>();
  tally.read.push(s.path);
  let shown = 0;
  let hidden = 0;
  const report = (p: LineProblem, what: string): void => {
    if (shown++ < SHOWN_PER_FILE) warn(`${p.file}:${p.line}: ${p.reason}${what === 'bad' ? `: ${JSON.stringify(p.text.slice(0, 120))} skipped` : ''}`);
    else hidden++;
  };
  const now = statSource(s.path);
  const size = now?.size ?? 0;
  const refused = new Map<string, number>();
  // A set's first entry of this source: foreign sets refused, the others named. The set of the
  // entry before is not checked again (a Loadfile's lines mostly name the same set).
  let lastSet = '';
  const admit = (e: Entry, line: number): boolean => {
    if (tally.foreign.has(e.set)) {
      tally.problems++;
      const n = refused.get(e.set) ?? 0;
      refused.set(e.set, n + 1);
      if (n === 0) report({ file: s.path, line, text: '', reason: `set '${e.set}' is not Watcher's (an ipset of another program, or one Watcher keeps for itself): refused` }, 'foreign');
      return false;
    }
    if (!named.has(e.set)) {
      named.add(e.set);
      tally.fed.add(e.set);
      loader.expect(e.set, Math.ceil(size / (e.set.length + e.net.length + 6)));
    }
    lastSet = e.set;
    return true;
  };
  const entry = (e: Entry, line = 0): void => {
    if (e.set !== lastSet && !admit(e, line)) return;
    if (e.set === 'whitelist') tally.white.push(e.net);
    loader.add(e, s.path, line);
    if (++tally.entries % 100_000 === 0) progress?.(tally.entries);
  };
  // A held Loadfile's screened run of a DROP set: to the loader whole where it takes runs.
  const nets = (set: string, family: Family, texts: readonly string[], comments: readonly (string | undefined)[] | undefined, first: number): void => {
    if (!loader.addNets || tally.foreign.has(set)) {
      texts.forEach((net, i) => entry({ set, net, family, comment: comments?.[i], base: family === 4 ? parseIPv4(net, false, net.indexOf('/') < 0 ? net.length : net.indexOf('/')) : undefined }, first + i));
      return;
    }
    if (set !== lastSet) admit({ set, net: texts[0], family }, first);
    loader.addNets(set, family, texts, comments, s.path, first);
    const before = tally.entries;
    tally.entries += texts.length;
    if (Math.floor(tally.entries / 100_000) > Math.floor(before / 100_000)) progress?.(tally.entries);
  };
  if (s.kind === 'list') {
    let lines: string[] = [];
    try { lines = readFileSync(s.path, 'utf8').split('\n'); } catch { /* a missing list is empty */ }
    lines.forEach((text, i) => {
      const { nets, problems } = parseList(text, s.path);
      for (const p of problems) { tally.problems++; report({ ...p, line: i + 1, text: p.value }, 'bad'); }
      for (const net of nets) {
        if (s.name !== 'whitelist' && never.covers(net)) {
          tally.spared++;
          report({ file: s.path, line: i + 1, text, reason: `${net.text} is whitelisted or this machine's own address: not dropped` }, 'spared');
        } else entry({ set: s.name, net: net.text, family: net.family }, i + 1);
      }
    });
  } else {
    const sink: ScanSink = {
      wants,
      entry,
      nets,
      problem: (p) => { tally.problems++; report(p, 'bad'); },
      spared: (p) => { tally.spared++; report(p, 'spared'); },
      pause: () => loader.drain(),
    };
    const held = tally.held?.get(s.path);
    if (held && isUnchanged(now, held.written)) await scanHeld(held, s.path, sink, never);
    else {
      let text = '';
      try { text = readFileSync(s.path, 'utf8'); } catch (e) { warn(`${s.path}: cannot read: ${(e as Error).message}`); }
      await scanLoadfile(text, s.path, sink, never);
    }
    // What the Loadfile gave goes to the restore tool now: the next one may still be downloading.
    await loader.drain();
  }
  for (const [set, n] of refused) if (n > 1) warn(`${s.path}: ${n - 1} more lines for set '${set}' refused`);
  if (hidden) warn(`${s.path}: ${hidden} more lines not shown`);
  return named;
}

/** An empty Loadfile does not empty its sets: say which sets keep how many entries. */
export async function sayKept(s: Source, was: { sets: string[] } | undefined, fw: Firewall, warn: (l: string) => void): Promise<void> {
  const sets = was?.sets.length ? was.sets : [s.name];
  const counts = await fw.counts();
  const kept = sets.filter((set) => !isLive(set) && (counts.get(set) ?? 0) > 0).map((set) => `set ${set} keeps its ${counts.get(set)} entries`);
  warn(`${s.path}: no entries${kept.length ? `; ${kept.join(', ')}` : ''}`);
}
