// FillFW: turn the static lists and the load pool into one Flushload and load it in one batch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseList } from './lists.js';
import { scanLoadfile, type LineProblem, type ScanSink } from './loadfile.js';
import { readNeverBlock, type NeverBlock } from './never.js';
import { isUnchanged, listSources, poolDir, readState, statSource, writeState, type LoadState, type Source } from './sources.js';
import { LIVE_SETS, setInfo, type Entry, type Firewall, type Loader } from './firewall/types.js';

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
}

const SHOWN_PER_FILE = 100;
const isLive = (set: string): boolean => (LIVE_SETS as readonly string[]).includes(set);

/**
 * Fill the firewall. Every set named by a source is rebuilt beside the live one and swapped in;
 * a set no source names keeps what it has (a dynloader's empty Loadfile does not empty its set).
 * With changedOnly, sources unchanged since the last load are read only for the sets that a
 * changed source feeds too. The static lists always define their set, even when emptied.
 */
export async function fillFirewall(o: FillOptions): Promise<FillReport> {
  const t0 = performance.now();
  const warn = o.warn ?? ((l: string) => process.stderr.write(`${l}\n`));
  await o.fw.ensure();
  const never = readNeverBlock(o.master);
  const old = o.only ? readState(o.runDir) ?? {} : o.changedOnly ? readState(o.runDir) : undefined;
  const sources = listSources(o.master);
  const stats = new Map(sources.map((s) => [s.path, statSource(s.path)]));
  const state: LoadState = {};
  const dirty = new Set<string>();
  const tally = { entries: 0, problems: 0, spared: 0, read: [] as string[] };
  const loader = o.fw.loader(join(poolDir(o.master), 'Flushload'));
  let result;
  try {
    const changed = o.only ? sources.filter((s) => s.kind === 'list' && o.only?.includes(s.name))
      : old ? sources.filter((s) => !isUnchanged(stats.get(s.path), old[s.path])) : sources;
    for (const s of changed) {
      const named = await readSource(s, loader, never, tally, warn, o.progress);
      const now = stats.get(s.path);
      const was = old?.[s.path];
      if (s.kind === 'loadfile' && named.size === 0) {
        await sayKept(s, was, o.fw, warn);
        if (now) state[s.path] = { ...now, sets: was?.sets ?? [] };
        continue;
      }
      if (now) state[s.path] = { ...now, sets: [...named] };
      for (const set of [...named, ...(was?.sets ?? [])]) if (!isLive(set)) dirty.add(set);
      if (s.kind === 'list') dirty.add(s.name);
    }
    if (old) {
      const present = new Set(sources.map((s) => s.path));
      for (const [path, was] of Object.entries(old)) if (!present.has(path)) for (const set of was.sets) if (!isLive(set)) dirty.add(set);
      for (const s of sources) {
        if (changed.includes(s)) continue;
        const was = old[s.path];
        if (!was) continue;
        state[s.path] = was;
        if (was.sets.some((set) => dirty.has(set))) await readSource(s, loader, never, tally, warn, o.progress, (set) => dirty.has(set));
      }
    }
    result = await loader.finish([...dirty]);
  } catch (e) {
    await loader.abort();
    throw e;
  }
  writeState(o.runDir, state);
  const counts = await o.fw.counts();
  let drops = 0;
  for (const [set, n] of counts) if (setInfo(set).verdict === 'DROP') drops += n;
  return { ...result, ...tally, entries: result.entries, seconds: (performance.now() - t0) / 1000, drops, counts };
}

type Tally = { entries: number; problems: number; spared: number; read: string[] };

// Feed one source to the loader; returns the sets it named with at least one entry.
async function readSource(s: Source, loader: Loader, never: NeverBlock, tally: Tally, warn: (l: string) => void,
  progress?: (n: number) => void, wants?: (set: string) => boolean): Promise<Set<string>> {
  const named = new Set<string>();
  tally.read.push(s.path);
  let shown = 0;
  let hidden = 0;
  const report = (p: LineProblem, what: string): void => {
    if (shown++ < SHOWN_PER_FILE) warn(`${p.file}:${p.line}: ${p.reason}${what === 'bad' ? `: ${JSON.stringify(p.text.slice(0, 120))} skipped` : ''}`);
    else hidden++;
  };
  const size = statSource(s.path)?.size ?? 0;
  const entry = (e: Entry): void => {
    if (!named.has(e.set)) {
      named.add(e.set);
      loader.expect(e.set, Math.ceil(size / (e.set.length + e.net.length + 6)));
    }
    loader.add(e);
    if (++tally.entries % 100_000 === 0) progress?.(tally.entries);
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
        } else entry({ set: s.name, net: net.text, family: net.family });
      }
    });
  } else {
    let text = '';
    try { text = readFileSync(s.path, 'utf8'); } catch (e) { warn(`${s.path}: cannot read: ${(e as Error).message}`); }
    const sink: ScanSink = {
      wants,
      entry,
      problem: (p) => { tally.problems++; report(p, 'bad'); },
      spared: (p) => { tally.spared++; report(p, 'spared'); },
      pause: () => loader.drain(),
    };
    await scanLoadfile(text, s.path, sink, never);
  }
  if (hidden) warn(`${s.path}: ${hidden} more lines not shown`);
  return named;
}

// An empty Loadfile does not empty its sets: say which sets keep how many entries.
async function sayKept(s: Source, was: { sets: string[] } | undefined, fw: Firewall, warn: (l: string) => void): Promise<void> {
  const sets = was?.sets.length ? was.sets : [s.name];
  const counts = await fw.counts();
  const kept = sets.filter((set) => !isLive(set) && (counts.get(set) ?? 0) > 0).map((set) => `set ${set} keeps its ${counts.get(set)} entries`);
  warn(`${s.path}: no entries${kept.length ? `; ${kept.join(', ')}` : ''}`);
}
