// pool/: the load pool and FillFW. The Loadfile format, the static lists (blacklist,
// whitelist, never-block), the sources FillFW reads and their state between loads, FillFW's
// read side (fillread) and its one batch (this file), and claims (who else holds an address:
// other module databases, Loadfile lines). It may import core/, net/ and firewall/.
//
// FillFW: turn the static lists and the load pool into one Flushload and load it in one batch.
import { join } from 'node:path';
import { neverBlock } from './lists.js';
import { isLive, readSource, sayKept } from './fillread.js';
import type { HeldLoadfile } from './loadfile.js';
import { isUnchanged, listSources, loadfileSource, poolDir, readState, statSource, writeState, type LoadState, type Source, type SourceIdentity } from './sources.js';
import { LIVE_SETS, setInfo, type Firewall, type KeptSet } from '../firewall/types.js';

export interface FillOptions {
  master: string;
  runDir: string;
  fw: Firewall;
  /** Rebuild only the sets whose sources changed since the last load (watcher reload). */
  changedOnly?: boolean;
  /** Problems and notices, one line each. */
  warn?: (line: string) => void;
  /** Refresh only these static lists (Blacklist, Whitelist), with what else feeds their sets. */
  only?: readonly string[];
  /** Called every 100,000 entries with the number loaded so far. */
  progress?: (entries: number) => void;
  /** Loadfiles just written whose entries their writer hands over (see HeldLoadfile). */
  held?: ReadonlyMap<string, HeldLoadfile>;
  /**
   * Writes Loadfiles while the load runs (a dynloader): each path given to `take` is read at
   * once, its entries on their way to the restore tool while the next is made. The sources are
   * listed when it has ended.
   */
  produce?: (take: (path: string) => Promise<void>) => Promise<void>;
  /** Sets the Loadfiles of `produce` may name: made (with their rules) while they are written. */
  sets?: readonly string[];
}

export interface FillReport {
  entries: number;
  replaced: string[];
  added: string[];
  problems: number;
  spared: number;
  /** Sources read (in full or for some of their sets). */
  read: string[];
  seconds: number;
  /** Entries of every DROP set after the load. */
  drops: number;
  counts: Map<string, number>;
  /** The whitelist set changed: running modules must reread it. */
  whiteChanged: boolean;
  /** Sets the backend refused to rebuild: they keep what they had (the rest is loaded). */
  kept: KeptSet[];
}

// A static list that does not exist is an empty list: recorded as such, it is not read (and its set not rebuilt) at every reload.
const MISSING: SourceIdentity = { mtimeMs: 0, size: 0, ino: 0 };
const identify = (s: Source): SourceIdentity | undefined => statSource(s.path) ?? (s.kind === 'list' ? MISSING : undefined);

/**
 * Fill the firewall. Every set named by a source is rebuilt beside the live one and swapped in;
 * a set no source names keeps what it has (a dynloader's empty Loadfile does not empty its set).
 * With changedOnly, sources unchanged since the last load are read only for the sets that a
 * changed source feeds too. The static lists always define their set, even when emptied.
 * Sets of other programs are never filled. The report says whether the whitelist set changed.
 * A line or a set the backend refuses is reported and left out; the sources that fed a set
 * left as it was count as changed at the next load.
 */
export async function fillFirewall(o: FillOptions): Promise<FillReport> {
  const t0 = performance.now();
  const warn = o.warn ?? ((l: string) => process.stderr.write(`${l}\n`));
  // The restore tool starts first. The sets of other programs are asked for before anything is
  // made, so the reading waits for that one question only; then the chain, the standard sets and
  // the sets a producer's Loadfiles may name are made in one go beside the reading (only finish()
  // needs them, and a live set's first add waits for them in the tool's input): their programs
  // work on the other core while the sources are read, instead of after the reading, when the
  // restore tool has little left to do.
  const loader = o.fw.loader(join(poolDir(o.master), 'Flushload'));
  let foreign: Set<string>;
  // drain(): the tool is running before the first source is read (it parses while the rest is made).
  try { [, foreign] = await Promise.all([loader.drain(), o.fw.foreign()]); } catch (e) { await loader.abort(); throw e; }
  const ensured = o.fw.ensure((o.sets ?? []).filter((set) => !foreign.has(set)));
  ensured.catch(() => undefined);
  const never = neverBlock(o.master);
  const old = o.only ? readState(o.runDir) ?? {} : o.changedOnly ? readState(o.runDir) : undefined;
  const state: LoadState = {};
  const dirty = new Set<string>();
  const tally = { entries: 0, problems: 0, spared: 0, read: [] as string[], foreign, held: o.held, white: [] as string[], fed: new Set<string>() };
  let sources: Source[] = [];
  let whiteBefore: string | undefined;
  // The live whitelist, read as soon as a source that feeds it is read (it changes only at
  // finish(), and nothing else changes it under the lock), not between the reading and finish().
  let whiteRead: Promise<string> | undefined;
  const readWhite = (): Promise<string> => {
    whiteRead ??= o.fw.list('whitelist').then((l) => l.sort().join(' '));
    whiteRead.catch(() => undefined);
    return whiteRead;
  };
  let live: Promise<Map<string, number>> | undefined;
  let result;
  try {
    // Read one changed source in full: the sets it names are rebuilt (with what else feeds them).
    const take = async (s: Source, now: SourceIdentity | undefined): Promise<void> => {
      const before = { entries: tally.entries, problems: tally.problems, spared: tally.spared };
      const named = await readSource(s, loader, never, tally, warn, o.progress);
      // What this load took from the source, for Watcher-Report.
      const took = { entries: tally.entries - before.entries, problems: tally.problems - before.problems, spared: tally.spared - before.spared };
      const was = old?.[s.path];
      if (s.kind === 'loadfile' && named.size === 0) {
        await sayKept(s, was, o.fw, warn);
        if (now) state[s.path] = { ...now, sets: was?.sets ?? [], ...took };
        return;
      }
      if (now) state[s.path] = { ...now, sets: [...named], ...took };
      for (const set of [...named, ...(was?.sets ?? [])]) if (!isLive(set)) dirty.add(set);
      if (s.kind === 'list') dirty.add(s.name);
      if (dirty.has('whitelist')) void readWhite();
    };
    // Loadfiles written while this load runs are read as they come, the restore tool busy meanwhile.
    const taken = new Set<string>();
    if (o.produce) await o.produce(async (path) => { taken.add(path); await take(loadfileSource(path), statSource(path)); });
    sources = listSources(o.master);
    const stats = new Map(sources.map((s) => [s.path, identify(s)]));
    const changed = (o.only ? sources.filter((s) => s.kind === 'list' && o.only?.includes(s.name))
      : old ? sources.filter((s) => !isUnchanged(stats.get(s.path), old[s.path])) : sources).filter((s) => !taken.has(s.path));
    for (const s of changed) await take(s, stats.get(s.path));
    if (old) {
      const present = new Set(sources.map((s) => s.path));
      for (const [path, was] of Object.entries(old)) if (!present.has(path)) for (const set of was.sets) if (!isLive(set)) dirty.add(set);
      for (const s of sources) {
        if (changed.includes(s) || taken.has(s.path)) continue;
        const was = old[s.path];
        // A Loadfile no load has read yet (MyRouter's, new since) may feed a static list's set too.
        if (!was) { if (o.only) await readSource(s, loader, never, tally, warn, o.progress, (set) => dirty.has(set)); continue; }
        state[s.path] = was;
        if (was.sets.some((set) => dirty.has(set))) await readSource(s, loader, never, tally, warn, o.progress, (set) => dirty.has(set));
      }
    }
    await ensured;
    // The live whitelist is only swapped by finish(): read while the sources were, only when it is rebuilt.
    whiteBefore = dirty.has('whitelist') ? await readWhite() : undefined;
    // The live sets this load gives no entry (only modules change them) are counted while the
    // tool applies its input (the programs that read them would only slow the making of it).
    const unfed = LIVE_SETS.filter((set) => !tally.fed.has(set));
    const countUnfed = (): void => { if (unfed.length && !o.fw.countsAtOnce) { live = o.fw.counts({ only: unfed }); live.catch(() => undefined); } };
    result = await loader.finish([...dirty].filter((set) => !foreign.has(set)), countUnfed);
  } catch (e) {
    await loader.abort();
    // Not left half done by a process about to end.
    await ensured.catch(() => undefined);
    throw e;
  }
  for (const r of result.refused) {
    warn(`${r.file}:${r.line}: ${r.reason}: skipped`);
    const st = state[r.file];
    if (st && st.problems !== undefined) { st.problems++; if (st.entries) st.entries--; }
  }
  const kept = new Set(result.kept.map((k) => k.set));
  for (const s of sources) if (state[s.path]?.sets.some((set) => kept.has(set)) || (s.kind === 'list' && kept.has(s.name))) delete state[s.path];
  writeState(o.runDir, state);
  const counts = await o.fw.counts({ known: await live?.catch(() => undefined) });
  for (const k of result.kept) warn(`set ${k.set} could not be rebuilt: ${k.reason}; it keeps its ${counts.get(k.set) ?? 0} entries`);
  let drops = 0;
  for (const [set, n] of counts) if (setInfo(set).verdict === 'DROP') drops += n;
  // The rebuilt whitelist holds what was loaded into it (a line refused: at worst a needless SIGHUP).
  const whiteChanged = whiteBefore !== undefined && !kept.has('whitelist') && [...new Set(tally.white)].sort().join(' ') !== whiteBefore;
  const { foreign: _f, held: _h, white: _w, fed: _d, ...counted } = tally;
  return { ...counted, replaced: result.replaced, added: result.added, kept: result.kept, entries: result.entries,
    problems: tally.problems + result.refused.length, seconds: (performance.now() - t0) / 1000, drops, counts, whiteChanged };
}

