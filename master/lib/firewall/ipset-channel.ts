// The live channel of a module: one `ipset -exist -` process fed line by line, never a fork per event.
import type { Net } from '../net/address.js';
import { kernelName } from './ipset-names.js';
import { LineChannel } from './line-channel.js';
import type { FirewallChannel } from './types.js';

const MARKER = /typename 'hash:watcher-sync-(\d+)' is unknown/;

/**
 * One `ipset -exist -` (interactive mode) process per channel (see line-channel.ts).
 *
 * - -exist makes an add of an entry already there and a del of one not there silent, as in the
 *   seeds' `ipset -exist add`.
 * - ipset buffers its prompts on stdout but writes errors unbuffered on stderr. The marker is
 *   `create watcher-sync hash:watcher-sync-N`: an unknown set type, nothing is created.
 */
class IpsetChannel extends LineChannel {
  constructor() { super('ipset', ['-exist', '-'], 'ipset'); }

  protected onStderrLine(raw: string): void {
    const line = raw.replace(/^ipset v[\d.]+: /, '');
    const m = MARKER.exec(line);
    if (m) void this.settle(Number(m[1]));
    else if (line.trim()) this.errors.push(line.trim());
  }

  protected marker(seq: number): string { return `create watcher-sync hash:watcher-sync-${seq}`; }

  protected submit(verb: 'add' | 'del', set: string, n: Net, timeout?: number): void {
    this.write(`${verb} ${kernelName(set, n.family)} ${n.text}${verb === 'add' && timeout !== undefined ? ` timeout ${timeout}` : ''}`);
  }
}

/** Open a live channel; the ipset process starts with the first command. */
export function openIpsetChannel(): FirewallChannel {
  return new IpsetChannel();
}
