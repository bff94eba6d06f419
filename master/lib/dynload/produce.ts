// The Loadfiles of one run, made one by one as their lists come in: the stale ones (a fresh
// download, a missing file, another whitelist) are read, checked and written in turn, each
// handed to the reload at once.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EX_DATAERR, EX_UNAVAILABLE } from '../core/exit.js';
import type { HeldLoadfile } from '../pool/loadfile.js';
import { NetMatcher } from '../net/netmatch.js';
import type { Part } from './def.js';
import { judge, obtain, readPart, type ObtainContext, type Outcome } from './obtain.js';
import type { DynloadState } from './store.js';
import { writeLoadfile } from './write.js';
import { poolDir } from '../pool/sources.js';

/**
 * What a run's writing of Loadfiles found: the exit code so far, the entries held for the
 * reload, whether it got through every Loadfile; `begun` is called when a list is in whose
 * Loadfile is not there yet (it will be written), `reading` is true while the lists of one
 * Loadfile are read and it is written (work of this process, no download awaited).
 */
export interface Run { code: number; held: Map<string, HeldLoadfile>; done: boolean; begun?: () => void; reading?: boolean }

/**
 * Read (judge fresh downloads, read kept copies) and write each Loadfile of the stale groups
 * in turn; yields the path of each one written. Problems and entry counts are said as they come
 * (counts and Loadfiles written as detail).
 */
export async function* writeChanged(groups: AsyncIterable<[string, Outcome[]]>, run: Run, o: { name: string; master: string; c: ObtainContext; say: (m: string) => void; detail: (m: string) => void; complain: (m: string) => void }): AsyncGenerator<string> {
  const { c } = o;
  // What every entry is checked not to overlap, as FillFW knows it (HeldLoadfile.screened).
  const screened = new NetMatcher(c.never).key;
  for await (const [lf, rs] of groups) {
    // A Loadfile not there yet is written for sure (a first run, a zone added): the reload may begin.
    if (run.begun && !existsSync(join(poolDir(o.master), `Loadfile-${lf}`))) {
      run.begun();
      run.begun = undefined;
      // A turn of the event loop: the reload starts its lock and tool while the lists are read here.
      await new Promise((r) => setImmediate(r));
    }
    run.reading = true;
    for (const r of rs) {
      judge(r, c);
      if (!r.got && r.body) { try { r.got = readPart(r.part, r.body, c); } catch { r.body = undefined; } }
      if (r.problem) run.code = complainOf(r, c.state, o.complain, run.code);
      if (r.got) tell(r, o.say, o.detail);
    }
    const w = await writeLoadfile(o.name, o.master, lf, rs, { minShare: c.conf.MIN_SHARE, force: c.force, screened }, o.detail);
    if (w?.refused) { o.complain(`${w.refused}: suspiciously short, it stays as it is`); run.code ||= EX_DATAERR; }
    // Written or not, the group's entries are done with: those of a Loadfile written live on in its held copy until the reload took it.
    for (const r of rs) { r.body = undefined; if (r.got) { r.got.nets = []; r.got.comments = undefined; } }
    run.reading = false;
    if (w && !w.refused) {
      if (w.held) run.held.set(w.file, w.held);
      yield w.file;
    }
    await new Promise((r) => setImmediate(r));
  }
  run.done = true;
}

/** Loadfiles made ahead of the reload at most: the entries held wait in memory until it takes them. */
const AHEAD = 4;

/**
 * The Loadfiles of writeChanged() made in the background, one group after another with a turn of
 * the event loop between two (so that the reload's own processes start meanwhile), at most
 * AHEAD of the reload, queued in the order written.
 */
export class LoadfileQueue {
  private readonly ready: string[] = [];
  private wake: (() => void) | undefined;
  private room: (() => void) | undefined;
  private ended = false;
  private failed: { e: unknown } | undefined;
  private readonly done: Promise<void>;

  /** `reading`: the next Loadfile is being made (not waiting for a download). */
  constructor(files: AsyncGenerator<string>, private readonly reading: () => boolean = () => false) {
    this.done = (async () => {
      try {
        for await (const f of files) {
          this.ready.push(f);
          this.wake = poke(this.wake);
          while (this.ready.length >= AHEAD) await new Promise<void>((r) => { this.room = r; });
        }
      } catch (e) { this.failed = { e }; }
      this.ended = true;
      this.wake = poke(this.wake);
    })();
  }

  /** The next Loadfile written; undefined when all are. A failure of the making is thrown here. */
  async next(): Promise<string | undefined> {
    for (;;) {
      if (this.ready.length) { this.room = poke(this.room); return this.ready.shift(); }
      if (this.ended) { if (this.failed) throw this.failed.e; return undefined; }
      await new Promise<void>((r) => { this.wake = r; });
    }
  }

  /** Whether another Loadfile comes: waits for it, or for the end of them. */
  async more(): Promise<boolean> {
    while (!this.ready.length && !this.ended) await new Promise<void>((r) => { this.wake = r; });
    if (!this.ready.length && this.failed) throw this.failed.e;
    return this.ready.length > 0;
  }

  /**
   * Wait for the next Loadfile (or the end of them) as long as it is being made, and at most
   * `ms` for a download it waits for; false when none came in time.
   */
  async within(ms: number): Promise<boolean> {
    for (;;) {
      if (this.ready.length || this.ended) return true;
      let timer: NodeJS.Timeout | undefined;
      const came = await Promise.race([
        new Promise<boolean>((r) => { this.wake = () => r(true); }),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), ms); }),
      ]);
      clearTimeout(timer);
      if (!came && !this.reading()) return false;
    }
  }

  /** Make every Loadfile left, the reload gone or never begun; a failure of the making is said, not thrown. */
  async drain(say: (m: string) => void): Promise<void> {
    try { while (await this.next() !== undefined); } catch (e) { say((e as Error).message); }
    await this.done;
  }
}

function poke(w: (() => void) | undefined): undefined { w?.(); return undefined; }

/**
 * Hand the Loadfiles to the reload as they are written, `taken` after each. The reload holds
 * the master's lock: when the next Loadfile is not written within `patience` ms (a provider is
 * slow), the handing stops and false is returned, so this reload ends with what it has and the
 * rest is loaded by another once written. One the reload fails to read is thrown at once (the
 * writing goes on: LoadfileQueue.drain()).
 */
export async function feed(queue: LoadfileQueue, take: (path: string) => Promise<void>, taken: (path: string) => void, patience: number): Promise<boolean> {
  for (;;) {
    if (!await queue.within(patience)) return false;
    const f = await queue.next();
    if (f === undefined) return true;
    await take(f);
    taken(f);
  }
}

/** Say a part's problem once, and what stays instead; returns the run's exit code (69 wins over 65). */
export function complainOf(r: Outcome, state: DynloadState, complain: (m: string) => void, code: number): number {
  r.told = true;
  const p = r.problem!;
  complain(`${p.message.startsWith(r.part.url) ? '' : `${r.part.url}: `}${p.message}; ${r.body ? `the last good list (${r.got?.nets.length ?? state.parts[r.part.id]?.entries} entries) stays` : 'no good list kept: its Loadfile stays as it is'}`);
  return !code || p.kind === 'unavailable' ? (p.kind === 'unavailable' ? EX_UNAVAILABLE : EX_DATAERR) : code;
}

/**
 * Obtain every part, at most `parallel` at a time in the order given, each outcome put in
 * `outcomes` at its part's index; yields each group of parts (by Loadfile) that must be read and
 * written again as soon as its last part is in, so the first Loadfile is written (and the reload
 * begins) while the other lists are still downloading. Stale: a group with a fresh download, a
 * missing Loadfile, or entries checked against another whitelist, other own addresses or another
 * KEEP_RESERVED. An unchanged list costs no parsing and no reload. `done` runs once all are in.
 */
export async function* obtainStale(parts: readonly Part[], c: ObtainContext, o: { parallel: number; sameScreen: boolean; master: string; outcomes: Outcome[]; done: () => void }): AsyncGenerator<[string, Outcome[]]> {
  const left = new Map<string, number>();
  for (const p of parts) left.set(p.loadfile, (left.get(p.loadfile) ?? 0) + 1);
  const byGroup = new Map<string, Outcome[]>();
  const ready: [string, Outcome[]][] = [];
  let next = 0;
  let running = 0;
  let failed: { e: unknown } | undefined;
  let wake: (() => void) | undefined;
  const start = (): void => {
    while (running < o.parallel && next < parts.length && !failed) {
      const i = next++;
      running++;
      obtain(parts[i], c).then((r) => {
        o.outcomes[i] = r;
        const lf = r.part.loadfile;
        const rs = [...(byGroup.get(lf) ?? []), r];
        byGroup.set(lf, rs);
        left.set(lf, left.get(lf)! - 1);
        if (left.get(lf) === 0 && (!o.sameScreen || rs.some((x) => x.how === 'fresh') || !existsSync(join(o.master, 'Loadfiles', `Loadfile-${lf}`)))) ready.push([lf, rs]);
      }, (e: unknown) => { failed ??= { e }; }).finally(() => { running--; start(); wake = poke(wake); });
    }
  };
  try {
    start();
    for (;;) {
      if (ready.length) { yield ready.shift()!; continue; }
      if (failed && running === 0) throw failed.e;
      if (running === 0 && next >= parts.length) return;
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    // Stopped early (a failure): the downloads under way end before the connections close.
    while (running > 0) await new Promise<void>((r) => { wake = r; });
    o.done();
  }
}

/** Say how many entries a part gave and what was left out, by reason (detail when nothing but duplicates was). */
export function tell(r: Outcome, say: (m: string) => void, detail: (m: string) => void): void {
  const s = r.got!;
  const out = [[s.invalid, 'invalid'], [s.wrongFamily, `not IPv${r.part.family}`], [s.tooWide, 'wider than WIDEST_V4 or WIDEST_V6'], [s.neverBlocked, 'overlapping the whitelist, own addresses or loopback'], [s.reserved, 'in reserved ranges'], [s.duplicates, 'duplicates']]
    .filter(([n]) => n).map(([n, why]) => `${n} ${why}`);
  (s.invalid || s.wrongFamily || s.tooWide || s.neverBlocked || s.reserved ? say : detail)(`${r.part.set}: ${s.nets.length} entries from ${r.part.url} (${r.how})${out.length ? `; left out: ${out.join(', ')}${s.sample.length ? ` (${s.sample.slice(0, 3).join('; ')})` : ''}` : ''}`);
}

