// The live channel of a module: one `ipset -exist -` process fed line by line, never a fork per event.
import { parseNet } from '../net/address.js';
import { spawnChannel } from '../core/runner.js';
import { WatcherError, EX_DATAERR, EX_UNAVAILABLE } from '../core/exit.js';
import { kernelName } from './ipset-names.js';
import { isSetName, setInfo, type FirewallChannel } from './types.js';
import { entryRefusal } from './entries.js';

type Proc = ReturnType<typeof spawnChannel>;
interface Waiter { seq: number; resolve: () => void; reject: (e: Error) => void }

const MARKER = /typename 'hash:watcher-sync-(\d+)' is unknown/;

/**
 * One `ipset -exist -` (interactive mode) process per channel.
 *
 * Invariants:
 * - Commands are single lines that ipset applies in order; -exist makes an add of an entry
 *   already there and a del of one not there silent, as in the seeds' `ipset -exist add`.
 * - ipset keeps going after a bad line (it reports it on stderr), so a bad add never ends the
 *   channel. Addresses and set names are also checked before anything is written.
 * - ipset buffers its prompts on stdout but writes errors unbuffered on stderr. sync() writes
 *   a marker that always fails with its own sequence number (`create watcher-sync
 *   hash:watcher-sync-N`: an unknown set type, nothing is created). When the marker's message
 *   arrives every earlier line has reached the kernel; errors seen before it fail that sync().
 * - If the process dies it is started again on the next write; pending syncs reject.
 */
class IpsetChannel implements FirewallChannel {
  private proc: Proc | undefined;
  private seq = 0;
  private waiting: Waiter[] = [];
  private errors: string[] = [];
  private partial = '';

  private start(): Proc {
    const proc = spawnChannel('ipset', ['-exist', '-']);
    proc.stdin.on('error', () => undefined);
    proc.stdout.resume();
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => this.onStderr(chunk));
    void proc.then((r) => {
      if (this.proc === proc) this.proc = undefined;
      const missing = (r as { code?: string }).code === 'ENOENT';
      const why = missing
        ? new WatcherError('ipset: program not found (install it, or run master/Prep)', EX_UNAVAILABLE)
        : new WatcherError(`ipset channel ended (exit ${r.exitCode ?? r.signal})${this.errors.length ? `: ${this.errors.join('; ')}` : ''}`);
      this.errors = [];
      for (const w of this.waiting.splice(0)) w.reject(why);
    });
    return proc;
  }

  private onStderr(chunk: string): void {
    this.partial += chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl).replace(/^ipset v[\d.]+: /, '');
      this.partial = this.partial.slice(nl + 1);
      const m = MARKER.exec(line);
      if (m) this.settle(Number(m[1]));
      else if (line.trim()) this.errors.push(line.trim());
    }
  }

  private settle(seq: number): void {
    const done = this.waiting.filter((w) => w.seq <= seq);
    this.waiting = this.waiting.filter((w) => w.seq > seq);
    const errors = this.errors.splice(0);
    for (const w of done) {
      if (errors.length) w.reject(new WatcherError(`ipset: ${errors.join('; ')}`, EX_DATAERR));
      else w.resolve();
    }
  }

  private write(line: string): void {
    try {
      this.proc ??= this.start();
    } catch (e) {
      // ipset is not installed: every pending and later sync() fails with that reason.
      for (const w of this.waiting.splice(0)) w.reject(e as Error);
      return;
    }
    this.proc.stdin.write(line + '\n');
  }

  private target(verb: string, set: string, net: string, timeout?: number): string | undefined {
    const n = parseNet(net);
    const refused = verb === 'add' && n && isSetName(set) ? entryRefusal(setInfo(set), n, timeout) : undefined;
    if (!isSetName(set)) this.errors.push(`${verb} ${set} ${net}: not a valid set name`);
    else if (!n) this.errors.push(`${verb} ${set} ${net}: not an IPv4/IPv6 address or CIDR`);
    else if (refused) this.errors.push(`${verb} ${set} ${net}: ${refused}`);
    else return `${kernelName(set, n.family)} ${n.text}`;
    return undefined;
  }

  add(set: string, net: string, timeout?: number): void {
    const t = this.target('add', set, net, timeout);
    if (t) this.write(`add ${t}${timeout !== undefined ? ` timeout ${timeout}` : ''}`);
  }

  del(set: string, net: string): void {
    const t = this.target('del', set, net);
    if (t) this.write(`del ${t}`);
  }

  sync(): Promise<void> {
    const seq = ++this.seq;
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ seq, resolve, reject }));
    this.write(`create watcher-sync hash:watcher-sync-${seq}`);
    return p;
  }

  async close(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const done = this.waiting.length ? this.sync().catch(() => undefined) : Promise.resolve();
    proc.stdin.end();
    await done;
    await proc;
  }
}

/** Open a live channel; the ipset process starts with the first command. */
export function openIpsetChannel(): FirewallChannel {
  return new IpsetChannel();
}
