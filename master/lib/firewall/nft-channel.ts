// The live channel of a module: one `nft -i` process fed line by line, never a fork per event.
import { parseNet, type Net } from '../net/address.js';
import { spawnChannel } from '../core/runner.js';
import { WatcherError, EX_DATAERR, EX_UNAVAILABLE } from '../core/exit.js';
import { elementText, isHost, nftName } from './nft-names.js';
import { nft, readSet, T } from './nft-read.js';
import { mergeInto } from './nft-nets.js';
import { isSetName, LIVE_SETS, setInfo, type FirewallChannel } from './types.js';
import { forgetCounts } from './nft-chains.js';
import { entryRefusal } from './entries.js';

type Proc = ReturnType<typeof spawnChannel>;
interface Waiter { seq: number; resolve: () => void; reject: (e: Error) => void }

const MARKER = /^list set inet \S+ watcher-sync-(\d+)$/;

/**
 * One `nft -i` (interactive) process per channel.
 *
 * Invariants:
 * - Each command is one line that nft applies on its own, in order. A failing line does not
 *   end the process: nft prints `Error: reason`, the line, and carets on stderr (unbuffered).
 * - A delete of an element not there is silent, like `ipset -exist del`.
 * - sync() writes a marker that always fails (`list set inet watcher watcher-sync-N`: no such
 *   set). When nft echoes it, every earlier line has reached the kernel; errors seen before
 *   fail that sync(), and so does a network merge (below) not done yet.
 * - An interval set takes no overlapping networks: a network added over one that holds it is
 *   already covered (nothing to do); one that holds networks present replaces them, in one
 *   transaction of its own (no moment where either is missing).
 * - If the process dies it is started again on the next write; pending syncs reject.
 */
class NftChannel implements FirewallChannel {
  private proc: Proc | undefined;
  private seq = 0;
  private waiting: Waiter[] = [];
  private errors: string[] = [];
  private merges: Promise<void>[] = [];
  private partial = '';
  private reason: string | undefined;

  /** Sets other than custody and tarpit this channel changed: their recorded counts go at close(). */
  private readonly touched = new Set<string>();

  private start(): Proc {
    const proc = spawnChannel('nft', ['-i']);
    proc.stdin.on('error', () => undefined);
    proc.stdout.resume();
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => this.onStderr(chunk));
    void proc.then((r) => {
      if (this.proc === proc) this.proc = undefined;
      const missing = (r as { code?: string }).code === 'ENOENT';
      const why = missing
        ? new WatcherError('nft: program not found (install nftables, or run master/Prep)', EX_UNAVAILABLE)
        : new WatcherError(`nft channel ended (exit ${r.exitCode ?? r.signal})${this.errors.length ? `: ${this.errors.join('; ')}` : ''}`);
      this.errors = [];
      for (const w of this.waiting.splice(0)) w.reject(why);
    });
    return proc;
  }

  private onStderr(chunk: string): void {
    this.partial += chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      if (line.startsWith('Error: ')) this.reason = line.slice(7).trim();
      else if (this.reason !== undefined && line.trim() && !/^[\s^~]*$/.test(line)) this.onError(line.trim(), this.reason);
    }
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

  private async settle(seq: number): Promise<void> {
    const done = this.waiting.filter((w) => w.seq <= seq);
    this.waiting = this.waiting.filter((w) => w.seq > seq);
    const errors = this.errors.splice(0);
    for (const r of await Promise.allSettled(this.merges.splice(0))) if (r.status === 'rejected') errors.push((r.reason as Error).message);
    for (const w of done) {
      if (errors.length) w.reject(new WatcherError(`nft: ${errors.join('; ')}`, EX_DATAERR));
      else w.resolve();
    }
  }

  private write(line: string): void {
    try {
      this.proc ??= this.start();
    } catch (e) {
      for (const w of this.waiting.splice(0)) w.reject(e as Error);
      return;
    }
    this.proc.stdin.write(line + '\n');
  }

  private target(verb: string, set: string, net: string, timeout?: number): { kernel: string; n: Net } | undefined {
    const n = parseNet(net);
    const refused = verb === 'add' && n && isSetName(set) ? entryRefusal(setInfo(set), n, timeout) : undefined;
    if (!isSetName(set)) this.errors.push(`${verb} ${set} ${net}: not a valid set name`);
    else if (!n) this.errors.push(`${verb} ${set} ${net}: not an IPv4/IPv6 address or CIDR`);
    else if (refused) this.errors.push(`${verb} ${set} ${net}: ${refused}`);
    else return { kernel: nftName(set, n.family, !isHost(n)), n };
    return undefined;
  }

  add(set: string, net: string, timeout?: number): void {
    const t = this.target('add', set, net, timeout);
    if (!t) return;
    this.touch(set);
    this.write(`add element ${T} ${t.kernel} { ${elementText(t.n.text, timeout)} }`);
  }

  del(set: string, net: string): void {
    const t = this.target('del', set, net);
    if (!t) return;
    this.touch(set);
    this.write(`delete element ${T} ${t.kernel} { ${t.n.text} }`);
  }

  private touch(set: string): void {
    if (!(LIVE_SETS as readonly string[]).includes(set)) this.touched.add(set);
  }

  sync(): Promise<void> {
    const seq = ++this.seq;
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ seq, resolve, reject }));
    this.write(`list set ${T} watcher-sync-${seq}`);
    return p;
  }

  async close(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const done = this.waiting.length ? this.sync().catch(() => undefined) : Promise.resolve();
    proc.stdin.end();
    await done;
    await proc;
    const touched = [...this.touched];
    this.touched.clear();
    await forgetCounts(touched);
  }
}

/** Open a live channel; the nft process starts with the first command. */
export function openNftChannel(): FirewallChannel {
  return new NftChannel();
}
