// The live channel of a module: one `nft -i` process fed line by line, never a fork per event.
import { parseNet, type Net } from '../net/address.js';
import { elementText, isHost, nftName } from './nft-names.js';
import { nft, readSet, T } from './nft-read.js';
import { mergeInto } from './nft-nets.js';
import { forgetCounts } from './nft-chains.js';
import { LineChannel } from './line-channel.js';
import { LIVE_SETS, type FirewallChannel } from './types.js';

const MARKER = /^list set inet \S+ watcher-sync-(\d+)$/;

/**
 * One `nft -i` (interactive) process per channel (see line-channel.ts).
 *
 * - A failing line prints `Error: reason`, the line, and carets on stderr.
 * - A delete of an element not there is silent, like `ipset -exist del`.
 * - The marker is `list set inet watcher watcher-sync-N`: no such set.
 * - An interval set takes no overlapping networks: a network added over one that holds it is
 *   already covered (nothing to do); one that holds networks present replaces them, in one
 *   transaction of its own (no moment where either is missing); a sync waits for it.
 * - A set other than custody and tarpit changed here loses its recorded count at close().
 */
class NftChannel extends LineChannel {
  private merges: Promise<void>[] = [];
  private reason: string | undefined;
  private readonly touched = new Set<string>();

  constructor() { super('nft', ['-i'], 'nftables'); }

  protected onStderrLine(line: string): void {
    if (line.startsWith('Error: ')) this.reason = line.slice(7).trim();
    else if (this.reason !== undefined && line.trim() && !/^[\s^~]*$/.test(line)) this.onError(line.trim(), this.reason);
  }

  // nft refused this command for this reason.
  private onError(cmd: string, reason: string): void {
    this.reason = undefined;
    const m = MARKER.exec(cmd);
    if (m) { void this.settle(Number(m[1])); return; }
    const [verb, , , , kernel, , text] = cmd.split(' ');
    const missing = /No such file or directory/.test(reason);
    if (verb === 'delete' && (missing || /element does not exist/.test(reason))) return;
    const n = parseNet(text ?? '');
    if (verb === 'add' && n && !isHost(n) && /overlap|File exists/i.test(reason)) {
      this.merges.push(this.merge(kernel, n, cmd));
      return;
    }
    this.errors.push(`${cmd.replace(` ${T} `, ' ')}: ${missing ? 'the set does not exist' : reason}`);
  }

  // A network that overlaps the interval set: keep the widest, in one transaction.
  private async merge(kernel: string, n: Net, cmd: string): Promise<void> {
    const { del, add } = mergeInto((await readSet(kernel)).map((e) => e.net), [n]);
    if (add.length === 0) return;
    const timeout = / timeout (\d+)s/.exec(cmd)?.[1];
    const lines = [...del.map((d) => `delete element ${T} ${kernel} { ${d.text} }`), `add element ${T} ${kernel} { ${elementText(n.text, timeout === undefined ? undefined : Number(timeout))} }`];
    await nft(lines.join('\n') + '\n');
  }

  protected override settling(): Promise<void>[] { return this.merges.splice(0); }

  protected marker(seq: number): string { return `list set ${T} watcher-sync-${seq}`; }

  protected command(verb: 'add' | 'del', set: string, n: Net, timeout?: number): string {
    if (!(LIVE_SETS as readonly string[]).includes(set)) this.touched.add(set);
    const kernel = nftName(set, n.family, !isHost(n));
    return verb === 'add' ? `add element ${T} ${kernel} { ${elementText(n.text, timeout)} }` : `delete element ${T} ${kernel} { ${n.text} }`;
  }

  override async close(): Promise<void> {
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
