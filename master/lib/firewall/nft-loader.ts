// A batch load: one `nft -f -` transaction fed while the Loadfiles are read.
import { RestoreFeed } from './restore-feed.js';
import { parseNet, type Family, type Net } from '../net/address.js';
import { FlushloadOrigins } from './ipset-retry.js';
import { addSetLine, elementText, isHost, nftName, nftNames } from './nft-names.js';
import { readChains, readSet, T } from './nft-read.js';
import { countLines, forgetCounts } from './nft-chains.js';
import { mergeInto, outermost } from './nft-nets.js';
import { rerunNftWithout } from './nft-retry.js';
import { LIVE_SETS, type Entry, type Firewall, type KeptSet, type LineRefusal, type Loader, type LoadResult } from './types.js';

interface NetEntry { n: Net; timeout?: number; comment?: string; file?: string; line?: number }

/**
 * Invariants of a load:
 * - The whole load is one nft transaction: a replaced set is flushed and filled inside it, so
 *   the kernel switches from the old content to the new at once (no gap, no copy beside it).
 * - LIVE_SETS (custody, tarpit) are not flushed: their entries are added, networks merged with
 *   the ones present (an interval set takes no overlap: the widest network is kept).
 * - Single addresses are streamed to nft as they come; networks are held until finish(),
 *   where nested ones are reduced to the widest (the same addresses match).
 * - What goes to nft also goes to the Flushload file (0600), one element a line, so a line
 *   nft refuses is traced to its source and the load run again without it (nft-retry.ts).
 * - A transaction nft refuses changes nothing: the live sets keep what they had.
 */
class NftLoader implements Loader {
  private readonly feed: RestoreFeed;
  private readonly replaced = new Set<string>();
  private readonly added = new Set<string>();
  private readonly nets = new Map<string, NetEntry[]>();
  private readonly origins = new FlushloadOrigins();
  private readonly owner = new Map<number, string>();
  /** Distinct single addresses and networks written per replaced set: its count once loaded. */
  private readonly hosts = new Map<string, Set<string>>();
  private readonly netCount = new Map<string, number>();
  private block = '';
  private entries = 0;

  constructor(private readonly fw: Firewall, private readonly flushload: string) {
    this.feed = new RestoreFeed('nft', ['-f', '-'], flushload, 'nftables');
    this.line(`add table ${T}`);
  }

  expect(): void { /* nft sizes its sets itself */ }

  // One line of the transaction; `set` names the logical set it belongs to (kept whole if refused).
  private line(text: string, set?: string, file?: string, at?: number): void {
    this.feed.write(text + '\n');
    this.origins.note(1, file, at);
    if (set !== undefined) this.owner.set(this.origins.count, set);
  }

  private close(): void {
    if (this.block) this.line('}');
    this.block = '';
  }

  // The first entry of a set: make its kernel sets, flush them unless it is a live set.
  private open(set: string): void {
    if (this.replaced.has(set) || this.added.has(set)) return;
    const live = (LIVE_SETS as readonly string[]).includes(set);
    (live ? this.added : this.replaced).add(set);
    this.close();
    for (const k of nftNames(set)) this.line(addSetLine(set, k.kernel, k.family, k.net), set);
    if (!live) for (const k of nftNames(set)) this.line(`flush set ${T} ${k.kernel}`, set);
  }

  add(e: Entry, file?: string, at?: number): void {
    this.open(e.set);
    this.entries++;
    const n = parseNet(e.net);
    if (n && !isHost(n)) {
      let list = this.nets.get(e.set);
      if (!list) this.nets.set(e.set, (list = []));
      list.push({ n, timeout: e.timeout, comment: e.comment, file, line: at });
      return;
    }
    if (this.replaced.has(e.set)) {
      let seen = this.hosts.get(e.set);
      if (!seen) this.hosts.set(e.set, (seen = new Set()));
      seen.add(e.net);
    }
    this.element(e.set, nftName(e.set, e.family, false), elementText(e.net, e.timeout, e.comment), file, at);
  }

  // One element line, inside an `add element` block of its kernel set.
  private element(set: string, kernel: string, text: string, file?: string, at?: number): void {
    if (this.block !== kernel) {
      this.close();
      this.line(`add element ${T} ${kernel} {`, set);
      this.block = kernel;
    }
    this.line(`${text},`, undefined, file, at);
  }

  drain(): Promise<void> { return this.feed.drain(); }

  // The held networks: nested ones reduced to the widest; a live set's merged with what it has.
  private async writeNets(): Promise<void> {
    for (const [set, list] of this.nets) {
      for (const family of [4, 6] as Family[]) {
        const kernel = nftName(set, family, true);
        const mine = list.filter((x) => x.n.family === family);
        if (mine.length === 0) continue;
        let keep = outermost(mine);
        if (this.added.has(set)) {
          const { del, add } = mergeInto((await readSet(kernel)).map((e) => e.net), keep.map((x) => x.n));
          this.close();
          for (const d of del) this.line(`delete element ${T} ${kernel} { ${d.text} }`, set);
          const wanted = new Set(add.map((n) => n.text));
          keep = keep.filter((x) => wanted.has(x.n.text));
        }
        this.netCount.set(set, (this.netCount.get(set) ?? 0) + keep.length);
        for (const x of keep) this.element(set, kernel, elementText(x.n.text, x.timeout, x.comment), x.file, x.line);
      }
    }
    this.nets.clear();
    this.close();
  }

  async finish(alsoReplace: readonly string[] = []): Promise<LoadResult> {
    for (const s of alsoReplace) this.open(s);
    try {
      await this.fw.ensureSets([...this.replaced, ...this.added]);
      await this.writeNets();
      // Each rebuilt set's entry count, recorded on its chain in the same transaction.
      const counts = new Map([...this.replaced].map((s) => [s, (this.hosts.get(s)?.size ?? 0) + (this.netCount.get(s) ?? 0)] as const));
      for (const l of countLines(counts, (await readChains()).sets)) this.line(l);
    } catch (e) { await this.abort(); throw e; }
    const r = await this.feed.end();
    let refused: LineRefusal[] = [];
    let kept: KeptSet[] = [];
    if (r.exitCode !== 0) ({ refused, kept } = await rerunNftWithout(this.flushload, r.stderr, this.origins, this.owner));
    const rebuilt = [...this.replaced].filter((s) => !kept.some((k) => k.set === s));
    // A rerun left lines out: the counts written with the transaction are off; read those sets back.
    if (refused.length || kept.length) await forgetCounts([...this.replaced]);
    return { entries: this.entries - refused.length, replaced: rebuilt, added: [...this.added], refused, kept };
  }

  abort(): Promise<void> { return this.feed.kill(); }
}

/** Start a batch load whose transaction is also written to `flushload`. */
export function openNftLoader(fw: Firewall, flushload: string): Loader {
  return new NftLoader(fw, flushload);
}
