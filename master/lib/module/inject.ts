// inject: one affair for the attacker's address, batched per read chunk.
//
// Invariants:
// - Affairs of one address are applied in the order their lines arrived. An address not yet
//   in the database needs its DNS class first: its affairs wait in `pending` (and so do later
//   affairs of the same address) while the scanner goes on with other lines.
// - While the database takes writes, all affairs that are ready at the end of a chunk are
//   written in one IMMEDIATE transaction; the firewall channel, GeoTrack and the log hear of
//   them only after the commit, in the same order.
// - Protection does not wait for the database. When it refuses (locked by another process,
//   disk full, its shared memory file unusable), each affair is counted at once on memory's
//   copy of the row (read from the database where it still reads: a lock held elsewhere
//   allows that) and the firewall, GeoTrack and the log hear of it; the affair is held
//   (held.ts, bounded) and written, oldest first and before anything newer, in chunks once
//   the database takes writes again (tried after a pause that doubles up to RETRY_MAX_MS).
//   The busy timeout of a module's connection is short, so the event loop never waits long.
// - stop() writes what the database takes until a deadline and hands back the rest; nothing
//   is armed after it, so a stopping module always ends.
// - At most LOOKUPS_MAX DNS lookups run at once and at most PENDING_MAX addresses wait for
//   one; beyond that a new address is counted at once as UNRESOLVED (DNS backlog).
// - Whitelisted, own and loopback addresses never reach the database or the firewall.
// - An address already in DROP is put in custody again at most once a minute per process
//   (an affair of a dropped address is mostly one still in flight): the channel stays short.
import { systemClock, type Clock } from '../core/clock.js';
import { applyAffair, announceAffair, countFor, correctAffair, type InjectorDeps, type InjectRequest } from './inject-apply.js';
import { Backlog } from './held.js';
import type { HeldLine } from './held-file.js';
import type { BanditRow } from './db.js';
import type { Classification, HostClass } from '../net/dns.js';

export type { InjectorDeps, InjectRequest, Sink } from './inject-apply.js';

const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2000;
const LOOKUPS_MAX = 64;
const PENDING_MAX = 10_000;
/** Held affairs written per transaction when the database takes writes again (the scanner runs between them). */
const CATCHUP_CHUNK = 5000;
/** MAX_HELD_AFFAIRS when none is given. */
export const MAX_HELD_DEFAULT = 100_000;

/** An affair, with the DNS class it is counted under once that is known. */
interface Item { r: InjectRequest; c?: Classification }

const rowClass = (row: BanditRow): Classification => ({ class: row.class as HostClass, host: row.host ?? undefined });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export class Injector {
  private ready: InjectRequest[] = [];
  private readonly pending = new Map<string, InjectRequest[]>();
  /** Addresses waiting for a lookup slot. */
  private readonly queue: string[] = [];
  private readonly clock: Clock;
  private readonly held: Backlog;
  private inflight = 0;
  private retryMs = 0;
  private retryTimer?: NodeJS.Timeout;
  /** The next chunk of held affairs is due (setImmediate). */
  private catching = false;
  /** Addresses this process put in custody, and when (clock.mono). */
  private readonly custody = new Map<string, number>();
  private idle?: () => void;
  private stopping = false;
  private closed = false;
  /** Held affairs written and lost since the database first refused (one summary line). */
  private episode = { written: 0, lostBefore: 0, lossLogged: false };
  private replay = { left: 0, done: undefined as (() => void) | undefined };

  constructor(private readonly d: InjectorDeps) {
    this.clock = d.clock ?? systemClock;
    this.held = new Backlog(d.maxHeld ?? MAX_HELD_DEFAULT);
  }

  /** Take one affair; it is written at the next flush (or when its DNS answer comes). */
  submit(r: InjectRequest): void {
    if (this.closed) return;
    if (this.d.spare(r.address)) {
      this.d.counters.spared++;
      this.d.trace.write(`[inject] ${r.address} is whitelisted, own or loopback: spared`);
      return;
    }
    r.at ??= this.clock.now();
    const waiting = this.pending.get(r.address);
    if (waiting) { waiting.push(r); this.d.counters.pending++; }
    else this.ready.push(r);
  }

  /** Affairs waiting for the next flush. */
  get queued(): number { return this.ready.length; }

  /** Write the ready affairs in one transaction; addresses new to the database without a cached DNS class wait for it. */
  flush(): void {
    const batch = this.ready;
    this.ready = [];
    const out: Item[] = [];
    for (const r of batch) {
      const waiting = this.pending.get(r.address);
      if (waiting) { waiting.push(r); this.d.counters.pending++; }
      else out.push({ r });
    }
    this.commit(out);
  }

  /** Affairs of a held file (a stop could not write them), counted now in their order; `done` runs once the database has every one. */
  replayHeld(items: Item[], done: () => void): void {
    const out = items.filter(({ r }) => {
      if (!this.d.spare(r.address)) return true;
      this.d.counters.spared++;
      return false;
    });
    this.replay = { left: out.length, done };
    for (const it of out) it.r.replay = true;
    this.commit(out);
    this.countReplayed(0);
  }

  /** Resolves when no DNS lookup is outstanding and the database has every affair. */
  settled(): Promise<void> {
    return this.isIdle() ? Promise.resolve() : new Promise((res) => { this.idle = res; });
  }

  /**
   * Stop: DNS answers are awaited up to `dnsWait` ms, then the held affairs are written while
   * the database takes them, until `deadline` (clock.mono). Returns what is still unwritten,
   * oldest first (the held file's lines). Nothing is armed afterwards.
   */
  async stop(deadline: number, dnsWait: number): Promise<HeldLine[]> {
    this.stopping = true;
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = undefined; }
    this.flush();
    const dnsEnd = Math.min(deadline, this.clock.mono() + dnsWait);
    while (this.inflight > 0 && this.clock.mono() < dnsEnd) await sleep(20);
    while (this.held.active && this.clock.mono() < deadline) {
      this.d.store.setBusyTimeout(deadline - this.clock.mono());
      const before = this.held.length;
      this.catchUp();
      if (this.held.active && this.held.length === before) await sleep(Math.min(100, deadline - this.clock.mono()));
    }
    return this.abandon();
  }

  /** Hand back everything unwritten at once (a fatal error); the injector takes nothing more. */
  abandon(): HeldLine[] {
    this.closed = true;
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.d.dns.cancel?.();
    const line = (r: InjectRequest, c?: Classification, affairs?: number): HeldLine =>
      ({ address: r.address, rule: r.rule, penalty: r.penalty, at: r.at ?? this.clock.now(), class: c?.class, host: c?.host, affairs });
    const out = this.held.oldest(this.held.length).map((h) => line(h.r, h.c, h.applied.affairs));
    for (const reqs of this.pending.values()) out.push(...reqs.map((r) => line(r)));
    out.push(...this.ready.map((r) => line(r)));
    return out;
  }

  /** Look at the database between writes (each tick), so a shared memory file gone bad is reported, or the connection reopened, at once. */
  check(): void {
    if (this.closed || this.held.active) return;
    const problem = this.d.store.unusable();
    if (problem) this.refuse(new Error(problem), 0);
  }

  /** Held affairs, and those lost beyond the bound so far. */
  get backlog(): { held: number; lost: number; since?: number; problem?: string } {
    return { held: this.held.length, lost: this.held.lost, since: this.held.since, problem: this.held.problem };
  }

  // Write `items` after everything held; while the database refuses they are counted from memory and held.
  private commit(items: Item[]): void {
    if (items.length === 0 || this.closed) return;
    if (this.held.active) { this.hold(items); return; }
    const effects: (() => void)[] = [];
    const lookups: InjectRequest[] = [];
    let replays = 0;
    try {
      // One read of the row per affair, in the write transaction: it gives the class too.
      this.d.store.batch(() => {
        for (const { r, c: known } of items) {
          const row = this.d.store.get(r.address);
          const c = known ?? (row ? rowClass(row) : this.d.dns.cached(r.address)) ?? this.backlogged(lookups.length);
          if (c) { applyAffair(this.d, this.custody, this.clock, { r, c, row }, effects); if (r.replay) replays++; }
          else lookups.push(r);
        }
      });
    } catch (e) {
      this.refuse(e as Error, items.length);
      this.hold(items);
      return;
    }
    for (const r of lookups) this.park(r);
    this.startLookups();
    for (const f of effects) f();
    this.countReplayed(replays);
    this.wakeIdle();
  }

  // Count each affair on memory's copy of its row, feed the firewall now, hold it for the database.
  private hold(items: Item[]): void {
    let readable = true;
    for (const { r, c: known } of items) {
      const waiting = this.pending.get(r.address);
      if (waiting) { waiting.push(r); this.d.counters.pending++; continue; }
      let row = this.held.row(r.address);
      if (!row && readable) { try { row = this.d.store.peek(r.address); } catch { readable = false; } }
      const c = known ?? (row ? rowClass(row) : this.d.dns.cached(r.address)) ?? this.backlogged(0);
      if (!c) { this.park(r); continue; }
      const t1 = this.clock.mono();
      const res = countFor(this.d, this.clock, { r, c, row });
      announceAffair(this.d, this.custody, this.clock, { r, c, row, t1 }, res, true);
      const kept = this.held.keep({ r, c, applied: { measure: res.measure, initial: res.initial, affairs: res.row.affairs } }, res.row);
      if (!kept && r.replay) this.countReplayed(1);
    }
    this.startLookups();
    this.showBacklog();
    this.armRetry();
  }

  // The database refused: from now on memory counts, until it has taken every held affair.
  private refuse(e: Error, n: number): void {
    const problem = (e as { code?: string }).code === 'SQLITE_FULL' ? `${e.message} (SQLITE_FULL)` : e.message;
    if (this.held.since === undefined) {
      this.held.since = this.clock.now();
      this.episode = { written: 0, lostBefore: this.held.lost, lossLogged: false };
      this.d.log.write(`[inject] database ${n ? `refused ${n} affairs` : 'refuses writes'} (${problem}): ${n ? '' : 'affairs are '}kept, writing again; meanwhile tarpit and custody are fed from memory`);
    }
    this.held.problem = problem;
    this.d.counters.dbRefusingSince = new Date(this.held.since).toISOString();
    this.d.counters.dbProblem = problem;
    this.armRetry();
  }

  private armRetry(): void {
    if (this.stopping || this.retryTimer || this.catching) return;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs ? this.retryMs * 2 : RETRY_FIRST_MS);
    this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.catchUp(); }, this.retryMs);
  }

  // Write the oldest chunk of held affairs; the next chunk follows once the event loop has run.
  private catchUp(): void {
    if (this.closed) return;
    const chunk = this.held.oldest(CATCHUP_CHUNK);
    const done: { h: (typeof chunk)[number]; row: BanditRow | undefined; res: ReturnType<typeof countFor> }[] = [];
    try {
      this.d.store.batch(() => {
        for (const h of chunk) {
          const row = this.d.store.get(h.r.address);
          const res = countFor(this.d, this.clock, { r: h.r, c: h.c, row });
          if (row) this.d.store.update(res.row); else this.d.store.insert(res.row);
          done.push({ h, row, res });
        }
      });
    } catch (e) {
      this.refuse(e as Error, chunk.length);
      return;
    }
    this.held.drop(chunk.length);
    this.episode.written += chunk.length;
    let replays = 0;
    for (const { h, row, res } of done) {
      correctAffair(this.d, this.custody, this.clock, { r: h.r, c: h.c, row }, res, h.applied);
      if (h.r.replay) replays++;
    }
    this.showBacklog();
    this.countReplayed(replays);
    if (this.held.length > 0) {
      if (this.stopping) return;
      this.catching = true;
      setImmediate(() => { this.catching = false; this.catchUp(); });
      return;
    }
    const lost = this.held.lost - this.episode.lostBefore;
    const secs = Math.round((this.clock.now() - (this.held.since ?? this.clock.now())) / 1000);
    this.d.log.write(`[inject] database took the ${this.episode.written} kept affairs after refusing writes for ${secs} s${lost ? `; ${lost} affairs beyond MAX_HELD_AFFAIRS=${this.held.max} were lost for it (the firewall had them)` : ''}`);
    this.held.settle();
    this.retryMs = 0;
    this.d.counters.dbRefusingSince = null;
    this.d.counters.dbProblem = null;
    this.showBacklog();
    this.wakeIdle();
  }

  // The status counters of the backlog, and one line when affairs start to be lost.
  private showBacklog(): void {
    const c = this.d.counters;
    c.unwritten = this.held.length;
    c.unwrittenLost = this.held.lost;
    if (!this.episode.lossLogged && this.held.lost > this.episode.lostBefore) {
      this.episode.lossLogged = true;
      this.d.log.write(`[inject] ${this.held.max} affairs held (MAX_HELD_AFFAIRS): further ones still reach the firewall but are lost for the database; counted as unwrittenLost`);
    }
  }

  private countReplayed(n: number): void {
    this.replay.left -= n;
    if (this.replay.left <= 0 && this.replay.done) { const f = this.replay.done; this.replay.done = undefined; f(); }
  }

  private backlogged(extra: number): Classification | undefined {
    return this.pending.size + extra >= PENDING_MAX ? { class: 'UNRESOLVED', reason: 'DNS backlog' } : undefined;
  }

  private isIdle(): boolean { return this.inflight === 0 && !this.held.active; }

  private wakeIdle(): void {
    if (!this.idle || !this.isIdle()) return;
    const f = this.idle;
    this.idle = undefined;
    f();
  }

  // Park an affair until the DNS class of its (new) address is known; one lookup per address.
  private park(r: InjectRequest): void {
    this.d.counters.pending++;
    const waiting = this.pending.get(r.address);
    if (waiting) { waiting.push(r); return; }
    this.pending.set(r.address, [r]);
    this.queue.push(r.address);
  }

  private startLookups(): void {
    while (this.inflight < LOOKUPS_MAX && this.queue.length) this.lookup(this.queue.shift()!);
  }

  private lookup(address: string): void {
    this.inflight++;
    void this.d.dns.classify(address).catch((e: Error): Classification => ({ class: 'UNRESOLVED', reason: e.message })).then((c) => {
      this.inflight--;
      if (this.closed) return;
      const reqs = this.pending.get(address) ?? [];
      this.pending.delete(address);
      this.d.counters.pending -= reqs.length;
      this.startLookups();
      try { this.commit(reqs.map((r) => ({ r, c }))); }
      catch (e) { this.d.log.write(`[inject] affairs of ${address}: ${(e as Error).message}`); }
      this.wakeIdle();
    });
  }
}
