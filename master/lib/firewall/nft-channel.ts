// The live channel of a module: one `nft -i` process fed line by line, never a fork per event.
import type { Net } from '../net/address.js';
import { chainName, elementText, isHost, kernelOf, memberText, setDecl, setRule } from './nft-names.js';
import { T } from './nft-read.js';
import { forgetCounts } from './nft-chains.js';
import { LineChannel } from './line-channel.js';
import { LIVE_SETS, setInfo, type FirewallChannel } from './types.js';

const MARKER = /^list set inet \S+ watcher-sync-(\d+)$/;

/**
 * One `nft -i` (interactive) process per channel (see line-channel.ts); each line is one
 * transaction. No set it writes has the interval flag, so nft reads back no set before a line.
 *
 * - A failing line prints `Error: reason`, the line, and carets on stderr.
 * - A delete of an element not there (or of a prefix set not made yet) is silent, like
 *   `ipset -exist del`.
 * - The first network of a prefix length this channel writes to a set comes after a line that
 *   makes the prefix set and its rule in the set's chain together (`create set ...; add rule
 *   ...`): where the set is there already, nft refuses the whole line (File exists) and the
 *   rule is not doubled.
 * - The marker is `list set inet watcher watcher-sync-N`: no such set.
 * - A set other than custody and tarpit changed here loses its recorded count at close().
 */
class NftChannel extends LineChannel {
  private reason: string | undefined;
  private readonly touched = new Set<string>();
  /** Prefix sets this channel made or found there. */
  private readonly made = new Set<string>();

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
    if (cmd.startsWith('create set ') && /File exists/.test(reason)) return;
    const [verb, , , , kernel] = cmd.split(' ');
    const missing = /No such file or directory/.test(reason);
    if (verb === 'delete' && (missing || /element does not exist/.test(reason))) return;
    // A prefix set gone (a load took it out): made again before the next element.
    if (missing) this.made.delete(kernel);
    this.errors.push(`${cmd.replace(` ${T} `, ' ')}: ${missing ? 'the set does not exist' : reason}`);
  }

  protected marker(seq: number): string { return `list set ${T} watcher-sync-${seq}`; }

  protected command(verb: 'add' | 'del', set: string, n: Net, timeout?: number): string {
    if (!(LIVE_SETS as readonly string[]).includes(set)) this.touched.add(set);
    const k = kernelOf(set, n);
    if (verb === 'del') return `delete element ${T} ${k.kernel} { ${memberText(n)} }`;
    const element = `add element ${T} ${k.kernel} { ${elementText(memberText(n), timeout)} }`;
    if (isHost(n) || this.made.has(k.kernel)) return element;
    this.made.add(k.kernel);
    return `create set ${T} ${setDecl(k)}; add rule ${T} ${chainName(set)} ${setRule(k, setInfo(set).verdict.toLowerCase())}\n${element}`;
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
