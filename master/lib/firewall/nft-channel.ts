// The live channel of a module: one `nft -i` process fed what is queued in rounds, never a fork per event.
import type { Net } from '../net/address.js';
import { kernelOf, memberText } from './nft-names.js';
import { T } from './nft-read.js';
import { forgetCounts } from './nft-chains.js';
import { formatRound, type NftOp } from './nft-batch.js';
import { LineChannel } from './line-channel.js';
import { LIVE_SETS, type FirewallChannel } from './types.js';

const MARKER = /^list set inet \S+ watcher-sync-(\d+)$/;

/**
 * One `nft -i` (interactive) process per channel (see line-channel.ts). Each line is one
 * transaction, and nft reads the table, chain and set lists again before each: so adds and
 * deletes are queued and written in rounds (see nft-batch.ts), a round being the lines of what
 * is queued and the marker `list set inet watcher watcher-sync-N` (no such set). One round is in
 * nft at a time: a lone add is written at once, a burst goes in the next round as a few lines.
 *
 * - A sync() is settled by the marker of the round that carries everything queued before it.
 * - A failing line prints `Error: reason`, the line, and carets on stderr.
 * - A line of many elements that nft refuses changed nothing: its elements are queued again,
 *   each on a line of its own, ahead of what came later, and the syncs of the round wait for
 *   that next round. A lone element refused is reported by the next sync(), as it names it.
 * - A delete of an element not there (or of a prefix set not made yet) is silent, like
 *   `ipset -exist del`.
 * - The first network of a prefix length this channel writes to a set comes after a line that
 *   makes the prefix set and its rule in the set's chain together (`create set ...; add rule
 *   ...`): where the set is there already, nft refuses the whole line (File exists) and the
 *   rule is not doubled. A prefix set found gone is made again before the next element.
 * - nft ending (killed, crashed) rejects the pending syncs; the elements of the round it had are
 *   written again, once, by the process the next add, delete or sync() starts.
 * - A set other than custody and tarpit changed here loses its recorded count at close().
 */
class NftChannel extends LineChannel {
  private reason: string | undefined;
  private readonly touched = new Set<string>();
  /** Prefix sets this channel made or found there. */
  private readonly made = new Set<string>();
  /** Checked adds and deletes not written yet, in the order they came. */
  private queue: NftOp[] = [];
  /** The last round written, and whether its marker is still awaited. */
  private round = 0;
  private inFlight = false;
  /** A sync() waits for a round not written yet. */
  private wanted = false;
  /** A line of the round in nft was refused and its elements queued again. */
  private retried = false;
  /** The lines of the round in nft, by their text (what nft echoes with an error). */
  private lines = new Map<string, NftOp[]>();
  /** The lines of many elements of the round in nft that nft refused. */
  private readonly refused = new Set<string>();

  /**
   * `nft -i` keeps a history in $HOME/.nft.history (libedit): every line, so every attacker's
   * address, read in full when it starts and written back in full when it ends, growing without
   * end (a module's channel took seconds to start once it held some 100k lines). With HOME
   * /dev/null it can neither read nor write one.
   */
  constructor() { super('nft', ['-i'], 'nftables', { HOME: '/dev/null' }); }

  protected onStderrLine(line: string): void {
    if (line.startsWith('Error: ')) this.reason = line.slice(7).trim();
    else if (this.reason !== undefined && line.trim() && !/^[\s^~]*$/.test(line)) this.onError(line.trim(), this.reason);
  }

  // nft refused this command for this reason.
  private onError(cmd: string, reason: string): void {
    this.reason = undefined;
    const m = MARKER.exec(cmd);
    if (m) { this.onMarker(Number(m[1])); return; }
    if (cmd.startsWith('create set ') && /File exists/.test(reason)) return;
    const missing = /No such file or directory/.test(reason);
    const ops = this.lines.get(cmd);
    if (ops && ops.length > 1) {
      // nft may name a line once per command of it: its elements are queued again once.
      if (this.refused.has(cmd)) return;
      this.refused.add(cmd);
      // A delete from a set that is not there has nothing to do; anything else is tried element by element.
      if (ops[0].verb === 'del' && missing) return;
      if (missing) this.made.delete(ops[0].k.kernel);
      this.queue.unshift(...ops.map((o) => ({ ...o, alone: true })));
      this.retried = true;
      return;
    }
    const [verb, , , , kernel] = cmd.split(' ');
    if (verb === 'delete' && (missing || /element does not exist/.test(reason))) return;
    // A prefix set gone (a load took it out): made again before the next element.
    if (missing) this.made.delete(kernel);
    this.errors.push(`${cmd.replace(` ${T} `, ' ')}: ${missing ? 'the set does not exist' : reason}`);
  }

  // nft has done the round `seq`: its syncs are settled (after the retries, if any), the next round goes.
  private onMarker(seq: number): void {
    if (seq !== this.round || !this.inFlight) return;
    this.inFlight = false;
    this.lines.clear();
    this.refused.clear();
    if (this.retried) this.wanted = true;
    else void this.settle(seq);
    this.retried = false;
    this.pump();
  }

  // Write what is queued as the next round, unless a round is in nft.
  private pump(): void {
    if (this.inFlight || (this.queue.length === 0 && !this.wanted)) return;
    const lines = formatRound(this.queue.splice(0), this.made);
    const seq = ++this.round;
    this.wanted = false;
    this.lines = new Map(lines.map((l) => [l.text, l.ops]));
    if (this.write([...lines.map((l) => l.text), this.marker(seq)].join('\n'))) this.inFlight = true;
    else this.lines.clear();
  }

  // nft ended with a round in it: what it may not have applied goes ahead of the queue, once
  // (an add or delete applied twice changes nothing), for the process the next write starts.
  protected override onEnded(): void {
    const lost = [...this.lines.values()].flat().filter((o) => !o.again);
    this.queue.unshift(...lost.map((o) => ({ ...o, again: true })));
    this.inFlight = false;
    this.retried = false;
    this.lines.clear();
    this.refused.clear();
  }

  protected marker(seq: number): string { return `list set ${T} watcher-sync-${seq}`; }

  protected submit(verb: 'add' | 'del', set: string, n: Net, timeout?: number): void {
    if (!(LIVE_SETS as readonly string[]).includes(set)) this.touched.add(set);
    this.queue.push({ verb, k: kernelOf(set, n), member: memberText(n), timeout: verb === 'add' ? timeout : undefined });
    this.pump();
  }

  override pending(): number {
    let n = this.queue.length;
    for (const ops of this.lines.values()) n += ops.length;
    return n;
  }

  override sync(): Promise<void> {
    if (this.inFlight && this.queue.length === 0) return this.waitFor(this.round);
    this.wanted = true;
    const p = this.waitFor(this.round + 1);
    this.pump();
    return p;
  }

  override async close(): Promise<void> {
    if (this.queue.length || this.inFlight) await this.sync().catch(() => undefined);
    await super.close();
    const touched = [...this.touched];
    this.touched.clear();
    await forgetCounts(touched);
  }
}

/** Open a live channel; the nft process starts with the first command. */
export function openNftChannel(): FirewallChannel {
  return new NftChannel();
}
