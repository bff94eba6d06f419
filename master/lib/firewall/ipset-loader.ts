// A batch load: one `ipset -exist restore` fed while the Loadfiles are read, ending in swaps.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { run, spawnChannel } from '../core/runner.js';
import { WatcherError, EX_SOFTWARE, EX_UNAVAILABLE } from '../core/exit.js';
import { createLine, kernelName, newName } from './ipset-names.js';
import { LIVE_SETS, type Entry, type Firewall, type Loader, type LoadResult } from './types.js';
import type { Family } from '../net/address.js';
import { openFileMode, PRIVATE_MODE } from '../core/files.js';

const CHUNK = 256 * 1024;
const FAMILIES: Family[] = [4, 6];

/**
 * Invariants of a load:
 * - A replaced set X is built as X-new (and X-v6-new) while the live X keeps matching; at the
 *   end of the same restore run each pair is swapped and the old content destroyed, so at no
 *   moment is a source listed before and after let through.
 * - A leftover X-new of an interrupted run is reused after a flush (create -exist; flush).
 * - LIVE_SETS (custody, tarpit) only get adds; -exist keeps what modules put there.
 * - Every set named is ensured (created with its rule where missing), in one batch for all
 *   new sets, before the swap lines are written.
 * - What goes to ipset also goes to the Flushload file (0600: it holds attackers' addresses).
 */
class IpsetLoader implements Loader {
  private readonly proc = spawnChannel('ipset', ['-exist', 'restore']);
  private readonly file: WriteStream;
  private readonly stderr: string[] = [];
  private readonly replaced = new Set<string>();
  private readonly added = new Set<string>();
  private readonly prefixes = new Map<string, [string, string]>();
  private readonly hints = new Map<string, number>();
  private buf = '';
  private entries = 0;

  constructor(private readonly fw: Firewall, flushload: string) {
    this.file = createWriteStream(flushload, { fd: openFileMode(flushload, 'w', PRIVATE_MODE) });
    this.file.on('error', () => undefined);
    this.proc.stdin.on('error', () => undefined);
    this.proc.stdout.resume();
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s: string) => { if (this.stderr.length < 50) this.stderr.push(s); });
  }

  expect(set: string, entries: number): void {
    if (!this.prefixes.has(set)) this.hints.set(set, entries);
  }

  // The first entry of a set: ensure it, start its copy, and remember the line prefixes.
  private open(set: string): [string, string] {
    let p = this.prefixes.get(set);
    if (p) return p;
    const live = (LIVE_SETS as readonly string[]).includes(set);
    (live ? this.added : this.replaced).add(set);
    const target = (f: Family) => (live ? kernelName(set, f) : newName(kernelName(set, f)));
    p = [`add ${target(4)} `, `add ${target(6)} `];
    this.prefixes.set(set, p);
    if (live) return p;
    for (const f of FAMILIES) {
      this.buf += `${createLine(set, target(f), f, f === 4 ? this.hints.get(set) : undefined)}\nflush ${target(f)}\n`;
    }
    return p;
  }

  add(e: Entry): void {
    let line = this.open(e.set)[e.family === 4 ? 0 : 1] + e.net;
    if (e.timeout !== undefined) line += ` timeout ${e.timeout}`;
    if (e.comment !== undefined) line += ` comment "${e.comment}"`;
    this.buf += line + '\n';
    this.entries++;
    if (this.buf.length >= CHUNK) this.push();
  }

  private push(): void {
    if (!this.buf) return;
    this.proc.stdin.write(this.buf);
    this.file.write(this.buf);
    this.buf = '';
  }

  async drain(): Promise<void> {
    this.push();
    if (this.proc.stdin.writableNeedDrain && !this.proc.stdin.destroyed) await Promise.race([once(this.proc.stdin, 'drain'), this.proc]);
  }

  async finish(alsoReplace: readonly string[] = []): Promise<LoadResult> {
    for (const s of alsoReplace) this.open(s);
    try { await this.fw.ensureSets([...this.prefixes.keys()]); } catch (e) { await this.abort(); throw e; }
    for (const set of this.replaced) {
      for (const f of FAMILIES) {
        const kernel = kernelName(set, f);
        this.buf += `swap ${newName(kernel)} ${kernel}\ndestroy ${newName(kernel)}\n`;
      }
    }
    this.push();
    this.proc.stdin.end();
    this.file.end();
    const r = await this.proc;
    await finished(this.file).catch(() => undefined);
    this.check(r);
    return { entries: this.entries, replaced: [...this.replaced], added: [...this.added] };
  }

  private check(r: Awaited<typeof this.proc>): void {
    if ((r as { code?: string }).code === 'ENOENT') throw new WatcherError('ipset: program not found (install it, or run master/Prep)', EX_UNAVAILABLE);
    if (r.exitCode !== 0) {
      const msg = this.stderr.join('').trim().replace(/^ipset v[\d.]+: /gm, '');
      throw new WatcherError(`ipset restore failed (exit ${r.exitCode ?? r.signal}): ${msg}`, EX_SOFTWARE);
    }
  }

  async abort(): Promise<void> {
    this.buf = '';
    this.proc.kill('SIGTERM');
    this.file.end();
    await this.proc;
    // Nothing was swapped: remove the copies built so far.
    const lines = [...this.replaced].flatMap((s) => FAMILIES.map((f) => `destroy ${newName(kernelName(s, f))}`));
    if (lines.length) {
      await run('ipset', ['-exist', 'restore'], { input: lines.join('\n') + '\n', allowFail: true });
    }
  }
}

/** Start a batch load whose restore input is also written to `flushload`. */
export function openIpsetLoader(fw: Firewall, flushload: string): Loader {
  return new IpsetLoader(fw, flushload);
}
