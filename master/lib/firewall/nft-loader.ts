// A batch load: one `nft -f` transaction fed while the Loadfiles are read.
import { RestoreFeed } from './restore-feed.js';
import { DistinctAddresses } from '../net/distinct.js';
import { FlushloadOrigins } from './ipset-retry.js';
import { addSetLine, chainName, elementText, hostSets, INPUT_CHAIN, kernelOf, sizedSetLine, type KernelSet } from './nft-names.js';
import { kernelsOf, layoutAdd, readChains, readLayout, T, type Layout } from './nft-read.js';
import { chainCountLines, forgetCounts, inputLines, missedKernels, setLines } from './nft-chains.js';
import { rerunNftWithout } from './nft-retry.js';
import { CHANNEL_SETS, LIVE_SETS, type Entry, type Firewall, type KeptSet, type LineRefusal, type Loader, type LoadResult } from './types.js';

interface SetState {
  set: string;
  /** Its address sets (v4, v6). */
  names: string[];
  /** The Held of each prefix length (v4: the length, v6: 33 + the length). */
  slots: Held[];
  /** Distinct single addresses of a replaced set: with its networks, its count once loaded. */
  hosts: DistinctAddresses | undefined;
  /** Only loads add to it (no channel): its kernel sets are made again with their size (see below). */
  fixed: boolean;
}

/**
 * What one kernel set was given and not yet written: the element texts and their sources, side
 * by side, and the distinct members of a prefix set (for its count). A fixed set's are written
 * as defines (`defines`, `count` elements in all); another's as `add element` blocks, its set
 * line (and flush) first (`opened`).
 */
interface Held {
  k: KernelSet;
  fixed: boolean;
  members: DistinctAddresses;
  texts: string[];
  files: (string | undefined)[];
  lines: number[];
  opened: boolean;
  defines: string[];
  count: number;
  /** Given an element since the last drain(). */
  fed: boolean;
}

// Elements of one kernel set written together, as one block.
const NET_BLOCK = 4096;
/**
 * A fixed set's kernel set given this many entries or more is made with a size: them and an
 * eighth more (room for an entry added by hand). A smaller one grows as it fills, at no cost
 * worth saving, and takes any number of entries added by hand.
 */
const SIZED_FROM = 1024;
/**
 * The fewest elements of a fixed set's kernel set that drain() writes as a define while the
 * set is still being fed (what it holds once its entries stop coming goes at the next drain(),
 * what is left at finish()): nft looks every define up among those before it (20,000 defines
 * cost it two seconds), so there is about one per thousand entries, and one more per kernel set
 * and run of its lines, whatever the order of the lines.
 */
const MIN_DEFINE = 1024;

/**
 * Invariants of a load:
 * - The whole load is one nft transaction: a replaced set is emptied (or made again) and filled inside it, so
 *   the kernel switches from the old content to the new at once (no gap, no copy beside it).
 * - LIVE_SETS (custody, tarpit) are not flushed: their entries are added.
 * - A replaced set that only loads fill (not CHANNEL_SETS: a channel adds to those) is
 *   "fixed": each of its kernel sets the load gives entries is made again at finish(), in the
 *   transaction, with a size from SIZED_FROM entries on (the kernel then makes a hash of that
 *   size at once instead of regrowing one while they are added), and filled from the defines
 *   its entries were streamed into (`define w1 = { ... }` ... `add element ... { $w1, $w7 }`:
 *   nft parses them as they come and the size can still come first). nft 1.0.6 crashes on two
 *   `add element` lines in a row naming the same set and a define each: one line a set.
 * - The other sets' single addresses are streamed to nft as they come; networks by prefix
 *   length, in blocks of NET_BLOCK or what drain() finds held, their prefix set made (and
 *   flushed for a replaced set) before its first block. A fixed set's entries are held by
 *   kernel set and written as defines of NET_BLOCK, or at drain() of MIN_DEFINE at least, or
 *   whatever they are once the set's entries stopped coming (a source read to its end).
 * - At finish() the table's layout is read and the chains of the sets that got a new prefix
 *   set are rebuilt in the same transaction. A replaced set's prefix sets no network of the
 *   load needs are deleted after its chain no longer names them.
 * - Nested networks are separate entries (like ipset's hash:net): the same addresses match.
 * - What goes to nft also goes to the Flushload file (0600), one element a line, so a line
 *   nft refuses is traced to its source and the load run again without it (nft-retry.ts);
 *   every line of a set (its sets, flushes, elements, chain) is owned by it.
 * - A transaction nft refuses changes nothing: the live sets keep what they had.
 */
class NftLoader implements Loader {
  private readonly feed: RestoreFeed;
  private readonly replaced = new Set<string>();
  private readonly added = new Set<string>();
  private readonly held = new Map<string, Held>();
  /** What add() needs of each set, the last one at hand (a Loadfile's lines mostly name the set of the line before). */
  private readonly states = new Map<string, SetState>();
  private last: SetState | undefined;
  private readonly origins = new FlushloadOrigins();
  private readonly owner = new Map<number, string>();
  private block = '';
  private entries = 0;
  private defined = 0;

  constructor(private readonly fw: Firewall, private readonly flushload: string) {
    this.feed = new RestoreFeed('nft', ['-f'], flushload, 'nftables', `${flushload}.pipe`);
    this.line(`add table ${T}`);
  }

  expect(): void { /* a fixed set is sized by what it was given (finish()), the others grow */ }

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

  // The first entry of a set: make its address sets, flush them unless it is a live set (a fixed set's: at finish()).
  private open(set: string): SetState {
    if (this.last?.set === set) return this.last;
    let state = this.states.get(set);
    if (!state) {
      const live = (LIVE_SETS as readonly string[]).includes(set);
      (live ? this.added : this.replaced).add(set);
      const names = hostSets(set).map((k) => k.kernel);
      const fixed = !(CHANNEL_SETS as readonly string[]).includes(set);
      state = { set, names, slots: [], hosts: live ? undefined : new DistinctAddresses(), fixed };
      this.states.set(set, state);
      if (!fixed) {
        this.close();
        for (const k of hostSets(set)) this.line(addSetLine(k), set);
        if (!live) for (const k of hostSets(set)) this.line(`flush set ${T} ${k.kernel}`, set);
      }
    }
    return (this.last = state);
  }

  add(e: Entry, file?: string, at?: number): void {
    const state = this.open(e.set);
    this.entries++;
    // Entry.net is canonical: an address, or a network address and its length (never a full length).
    const slash = e.net.indexOf('/');
    if (slash >= 0) {
      const held = this.heldOf(state, e.family, Number(e.net.slice(slash + 1)));
      const member = e.net.slice(0, slash);
      held.members.add(member, e.base);
      this.hold(held, e.timeout === undefined && e.comment === undefined ? member : elementText(member, e.timeout, e.comment), file, at);
      return;
    }
    state.hosts?.add(e.net, e.base);
    const text = e.timeout === undefined && e.comment === undefined ? e.net : elementText(e.net, e.timeout, e.comment);
    if (state.fixed) this.hold(this.heldOf(state, e.family, e.family === 4 ? 32 : 128), text, file, at);
    else this.element(e.set, state.names[e.family === 4 ? 0 : 1], text, file, at);
  }

  private hold(held: Held, text: string, file: string | undefined, at: number | undefined): void {
    held.fed = true;
    held.texts.push(text);
    held.files.push(file);
    held.lines.push(at ?? 0);
    if (held.texts.length >= NET_BLOCK) this.writeHeld(held);
  }

  // What one kernel set holds (a prefix set's networks, a fixed set's addresses), found by family and length without building its name.
  private heldOf(state: SetState, family: 4 | 6, prefix: number): Held {
    const slot = family === 4 ? prefix : 33 + prefix;
    const found = state.slots[slot];
    if (found) return found;
    const k = kernelOf(state.set, { family, prefix });
    let held = this.held.get(k.kernel);
    if (!held) this.held.set(k.kernel, (held = { k, fixed: state.fixed, members: new DistinctAddresses(), texts: [], files: [], lines: [], opened: false, defines: [], count: 0, fed: false }));
    state.slots[slot] = held;
    return held;
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

  // What a kernel set holds, as one block: a define (fixed), or its set line first and elements.
  private writeHeld(held: Held): void {
    const { k, texts, files, lines } = held;
    if (held.fixed) {
      if (texts.length === 0) return;
      this.close();
      const name = `w${++this.defined}`;
      this.line(`define ${name} = {`, k.logical);
      for (let i = 0; i < texts.length; i++) this.line(`${texts[i]},`, undefined, files[i], lines[i] || undefined);
      this.line('}');
      held.defines.push(`$${name}`);
      held.count += texts.length;
      texts.length = files.length = lines.length = 0;
      return;
    }
    if (!held.opened) {
      this.close();
      this.line(addSetLine(k), k.logical);
      if (this.replaced.has(k.logical)) this.line(`flush set ${T} ${k.kernel}`, k.logical);
      held.opened = true;
    }
    for (let i = 0; i < texts.length; i++) this.element(k.logical, k.kernel, texts[i], files[i], lines[i] || undefined);
    texts.length = files.length = lines.length = 0;
  }

  // The entries held so far go too: the tool parses them while the next lines are made.
  drain(): Promise<void> {
    for (const held of this.held.values()) {
      if (held.texts.length >= (held.fixed && held.fed ? MIN_DEFINE : 1)) this.writeHeld(held);
      held.fed = false;
    }
    return this.feed.drain();
  }

  // A fixed set's kernel sets made again: with their size and their defines, or emptied.
  private fixedLines(kernels: readonly KernelSet[], had: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const k of kernels) {
      const held = this.held.get(k.kernel);
      if (held?.count) {
        if (had.has(k.kernel)) out.push(`delete set ${T} ${k.kernel}`);
        out.push(held.count >= SIZED_FROM ? sizedSetLine(k, held.count + Math.ceil(held.count / 8)) : addSetLine(k), `add element ${T} ${k.kernel} { ${held.defines.join(', ')} }`);
      } else out.push(had.has(k.kernel) ? `flush set ${T} ${k.kernel}` : addSetLine(k));
    }
    return out;
  }

  /**
   * What is held and not yet written, then each changed set's chain over its kernel sets (a
   * fixed set's kernel sets made again inside), the input chain, and the replaced sets' prefix
   * sets left unused deleted. Returns the layout the chains were built from.
   */
  private writeNets(chains: readonly string[], layout: Layout): Map<string, KernelSet[]> {
    const kernels = new Map<string, KernelSet[]>([...layout.kernels].map(([l, ks]) => [l, [...ks]]));
    const had = new Set([...layout.kernels.values()].flat().map((k) => k.kernel));
    // A set new to the table has its address sets from open() on.
    for (const set of this.states.keys()) if (!kernels.has(set)) kernels.set(set, hostSets(set));
    const grown = new Set<string>();
    this.close();
    for (const held of this.held.values()) {
      if (!had.has(held.k.kernel)) { grown.add(held.k.logical); layoutAdd(kernels, held.k); }
      this.writeHeld(held);
    }
    this.close();
    // A replaced set keeps the prefix sets this load filled; the others go once its chain is rebuilt.
    const stale: KernelSet[] = [];
    for (const set of this.replaced) {
      const keep = kernelsOf(kernels, set).filter((k) => k.prefix === (k.family === 4 ? 32 : 128) || this.held.has(k.kernel));
      stale.push(...kernelsOf(kernels, set).filter((k) => !keep.includes(k)));
      kernels.set(set, keep);
    }
    // A set without a chain yet gets an empty one first, a line of no set: kept when a rerun
    // leaves the set's own lines out, so the input chain's jump to it never fails.
    const fresh = [...this.replaced, ...this.added].filter((set) => !chains.includes(set));
    for (const set of fresh) this.line(`add chain ${T} ${chainName(set)}`);
    const all = [...chains, ...fresh];
    for (const set of this.added) if (grown.has(set) || fresh.includes(set)) for (const l of setLines(set, kernels)) this.line(l, set);
    this.line(`flush chain ${T} ${INPUT_CHAIN}`);
    for (const set of this.replaced) {
      const state = this.states.get(set);
      const count = (state?.hosts?.size ?? 0) + [...this.held.values()].filter((h) => h.k.logical === set).reduce((a, h) => a + h.members.size, 0);
      const made = state?.fixed ? this.fixedLines(kernelsOf(kernels, set), had) : [];
      for (const l of chainCountLines(set, count, kernels, made)) this.line(l, set);
    }
    for (const l of inputLines(all, kernels)) this.line(l);
    for (const k of stale) this.line(`delete set ${T} ${k.kernel}`, k.logical);
    this.held.clear();
    for (const state of this.states.values()) state.slots.length = 0;
    return kernels;
  }

  async finish(alsoReplace: readonly string[] = [], written?: () => void): Promise<LoadResult> {
    for (const s of alsoReplace) this.open(s);
    let built: Map<string, KernelSet[]>;
    try {
      // The chains and the kernel sets, both read at once. A set the table has nothing of yet gets
      // its chain in the transaction (writeNets); one it has anything of (a chain, a kernel set,
      // made by hand too) is ensured first, as a set a channel adds to is: one that cannot be
      // made as Watcher makes it stops the load here, before anything changed.
      let [{ sets }, layout] = await Promise.all([readChains(), readLayout()]);
      const known = [...this.replaced, ...this.added].filter((set) => sets.includes(set) || layout.kernels.has(set) || layout.others.some((o) => o.startsWith(`${set}/`)));
      if (known.length) {
        await this.fw.ensureSets(known);
        [{ sets }, layout] = await Promise.all([readChains(), readLayout()]);
      }
      built = this.writeNets(sets, layout);
    } catch (e) { await this.abort(); throw e; }
    const r = await this.feed.end(written);
    let refused: LineRefusal[] = [];
    let kept: KeptSet[] = [];
    if (r.exitCode !== 0) ({ refused, kept } = await rerunNftWithout(this.flushload, r.stderr, this.origins, this.owner));
    const rebuilt = [...this.replaced].filter((s) => !kept.some((k) => k.set === s));
    // A rerun left lines out (the counts written with the transaction are off), or a channel made
    // a prefix set while the load ran (its rule is not in the chain built): those chains again.
    const missed = missedKernels(built, (await readLayout()).kernels, [...this.replaced, ...this.added]);
    // A set kept as it was keeps its chain and the count on it (a new one has no kernel set to count).
    await forgetCounts(refused.length || kept.length ? [...new Set([...rebuilt, ...missed])] : missed);
    return { entries: this.entries - refused.length, replaced: rebuilt, added: [...this.added], refused, kept };
  }

  abort(): Promise<void> { return this.feed.kill(); }
}

/** Start a batch load whose transaction is also written to `flushload`. */
export function openNftLoader(fw: Firewall, flushload: string): Loader {
  return new NftLoader(fw, flushload);
}
