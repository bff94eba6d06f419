// The live channel of a module, whatever the backend: one long-lived process fed a command a line.
import { parseNet, type Net } from '../net/address.js';
import { spawnChannel } from '../core/runner.js';
import { WatcherError, EX_DATAERR, EX_UNAVAILABLE } from '../core/exit.js';
import { isSetName, setInfo, type FirewallChannel } from './types.js';
import { entryRefusal } from './entries.js';

type Proc = ReturnType<typeof spawnChannel>;
interface Waiter { seq: number; resolve: () => void; reject: (e: Error) => void }

/**
 * Invariants every backend's channel keeps:
 * - One process (`ipset -exist -`, `nft -i`) that applies each line in order and keeps going
 *   after a bad one, reporting it on stderr unbuffered. Addresses and set names are checked
 *   before anything is written, so a bad add never ends the channel.
 * - sync() writes a marker command that always fails with its own sequence number; when the
 *   backend reports it, every earlier line has reached the kernel. Errors seen before it (and
 *   work the backend still had to finish, see `settling`) fail that sync().
 * - If the process dies it is started again on the next write; pending syncs reject.
 */
export abstract class LineChannel implements FirewallChannel {
  private proc: Proc | undefined;
  private seq = 0;
  private waiting: Waiter[] = [];
  protected errors: string[] = [];
  private partial = '';

  /** `program args` (with `env` over this process's environment), and the Debian package named when it is missing. */
  constructor(private readonly program: string, private readonly args: string[], private readonly pkg: string, private readonly env?: Readonly<Record<string, string>>) {}

  /** One line the process wrote on stderr. */
  protected abstract onStderrLine(line: string): void;
  /** The command that always fails and names `seq`. */
  protected abstract marker(seq: number): string;
  /** Write (or queue) a checked add or delete. */
  protected abstract submit(verb: 'add' | 'del', set: string, n: Net, timeout?: number): void;
  /** Work a sync must also wait for (none by default). */
  protected settling(): Promise<void>[] { return []; }
  /** The process ended; every pending sync has been rejected. */
  protected onEnded(): void { /* nothing kept by default */ }

  private start(): Proc {
    const proc = spawnChannel(this.program, this.args, this.env);
    proc.stdin.on('error', () => undefined);
    proc.stdout.resume();
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => this.onStderr(chunk));
    void proc.then((r) => {
      if (this.proc === proc) this.proc = undefined;
      const missing = (r as { code?: string }).code === 'ENOENT';
      const why = missing
        ? new WatcherError(`${this.program}: program not found (install ${this.pkg}, or run master/Prep)`, EX_UNAVAILABLE)
        : new WatcherError(`${this.program} channel ended (exit ${r.exitCode ?? r.signal})${this.errors.length ? `: ${this.errors.join('; ')}` : ''}`);
      this.errors = [];
      for (const w of this.waiting.splice(0)) w.reject(why);
      this.onEnded();
    });
    return proc;
  }

  private onStderr(chunk: string): void {
    this.partial += chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.onStderrLine(line);
    }
  }

  /** The marker of `seq` came back: settle every sync up to it. */
  protected async settle(seq: number): Promise<void> {
    const done = this.waiting.filter((w) => w.seq <= seq);
    this.waiting = this.waiting.filter((w) => w.seq > seq);
    const errors = this.errors.splice(0);
    for (const r of await Promise.allSettled(this.settling())) if (r.status === 'rejected') errors.push((r.reason as Error).message);
    for (const w of done) {
      if (errors.length) w.reject(new WatcherError(`${this.program}: ${errors.join('; ')}`, EX_DATAERR));
      else w.resolve();
    }
  }

  /** Write a line, starting the process if needed; false: it could not be started. */
  protected write(line: string): boolean {
    try {
      this.proc ??= this.start();
    } catch (e) {
      // The program is not installed: every pending and later sync() fails with that reason.
      for (const w of this.waiting.splice(0)) w.reject(e as Error);
      return false;
    }
    this.proc.stdin.write(line + '\n');
    return true;
  }

  /** A sync() settled by the marker of `seq` (or a later one). */
  protected waitFor(seq: number): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiting.push({ seq, resolve, reject }));
  }

  // Check a command's set and address (and, for an add, what the set takes) before it is written.
  private send(verb: 'add' | 'del', set: string, net: string, timeout?: number): void {
    const n = parseNet(net);
    const refused = verb === 'add' && n && isSetName(set) ? entryRefusal(setInfo(set), n, timeout) : undefined;
    if (!isSetName(set)) this.errors.push(`${verb} ${set} ${net}: not a valid set name`);
    else if (!n) this.errors.push(`${verb} ${set} ${net}: not an IPv4/IPv6 address or CIDR`);
    else if (refused) this.errors.push(`${verb} ${set} ${net}: ${refused}`);
    else this.submit(verb, set, n, timeout);
  }

  /** Written lines go straight to the process: none is kept here. */
  pending(): number { return 0; }

  add(set: string, net: string, timeout?: number): void { this.send('add', set, net, timeout); }

  del(set: string, net: string): void { this.send('del', set, net); }

  sync(): Promise<void> {
    const seq = ++this.seq;
    const p = this.waitFor(seq);
    this.write(this.marker(seq));
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
