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
import { applyAffair, type InjectorDeps, type InjectRequest } from './inject-apply.js';
import { HeldWriter, heldLine } from './inject-held.js';
import type { HeldLine } from './held-file.js';
import type { BanditRow } from './db.js';
import type { Classification, HostClass } from '../net/dns.js';

export type { InjectorDeps, InjectRequest, Sink } from './inject-apply.js';

const LOOKUPS_MAX = 64;
const PENDING_MAX = 10_000;
/** MAX_HELD_AFFAIRS when none is given. */
export const MAX_HELD_DEFAULT = 100_000;

/** An affair, with the DNS class it is counted under once that is known. */
interface Item { r: InjectRequest; c?: Classification }

const rowClass = (row: BanditRow): Classification => ({ class: row.class as HostClass, host: row.host ?? undefined });

export class Injector {
  private ready: InjectRequest[] = [];
  private readonly pending = new Map<string, InjectRequest[]>();
  /** Addresses waiting for a lookup slot. */
  private readonly queue: string[] = [];
  private readonly clock: Clock;
  private readonly held: HeldWriter;
  private inflight = 0;
  /** Addresses this process put in custody, and when (clock.mono). */
  private readonly custody = new Map<string, number>();
  private idle?: () => void;
  private closed = false;
  private replay = { left: 0, done: undefined as (() => void) | undefined };

  constructor(private readonly d: InjectorDeps) {
    this.clock = d.clock ?? systemClock;
    this.held = new HeldWriter(d, this.custody, this.clock, {
      join: (r) => { const w = this.pending.get(r.address); if (w) { w.push(r); d.counters.pending++; } return w !== undefined; },
      classOf: (r, row) => (row ? rowClass(row) : d.dns.cached(r.peer ?? r.address)) ?? this.backlogged(0),
      park: (r) => this.park(r),
      replayed: (n) => this.countReplayed(n),
      settled: () => this.wakeIdle(),
    }, d.maxHeld ?? MAX_HELD_DEFAULT);
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
    const bandit = this.d.bandit?.(r.address);
    if (bandit !== undefined && bandit !== r.address) { r.peer = r.address; r.address = bandit; }
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

  /** Look at the database between writes (each tick), so a shared memory file gone bad is reported, or the connection reopened, at once. */
  check(): void {
    if (this.closed || this.held.active) return;
    const problem = this.d.store.unusable();
    if (problem) this.held.refuse(new Error(problem), 0);
  }

  /** Held affairs, those lost beyond the bound so far, and why the database refuses. */
  get backlog(): { held: number; lost: number; problem?: string } {
    const b = this.held.backlog;
    return { held: b.length, lost: b.lost, problem: b.problem };
  }

  /**
   * Stop: DNS answers are awaited up to `dnsWait` ms, then the held affairs are written while
   * the database takes them, until `deadline` (clock.mono). Returns what is still unwritten,
   * oldest first (the held file's lines). Nothing is armed afterwards.
   */
  async stop(deadline: number, dnsWait: number): Promise<HeldLine[]> {
    this.flush();
    const dnsEnd = Math.min(deadline, this.clock.mono() + dnsWait);
    while (this.inflight > 0 && this.clock.mono() < dnsEnd) await new Promise((r) => setTimeout(r, 20));
    await this.held.drain(deadline);
    return this.abandon();
  }

  /** Hand back everything unwritten at once (also after a fatal error); the injector takes nothing more. */
  abandon(): HeldLine[] {
    this.closed = true;
    this.d.dns.cancel?.();
    const out = this.held.close();
    for (const reqs of this.pending.values()) out.push(...reqs.map((r) => heldLine(r)));
    out.push(...this.ready.map((r) => heldLine(r)));
    return out;
  }

  // Write `items` after everything held; while the database refuses they are counted from memory and held.
  private commit(items: Item[]): void {
    if (items.length === 0 || this.closed) return;
    if (this.held.active) { this.held.hold(items); this.startLookups(); return; }
    const effects: (() => void)[] = [];
    const lookups: InjectRequest[] = [];
    let replays = 0;
    try {
      // One read of the row per affair, in the write transaction: it gives the class too.
      this.d.store.batch(() => {
        for (const { r, c: known } of items) {
          const row = this.d.store.get(r.address);
          const c = known ?? (row ? rowClass(row) : this.d.dns.cached(r.peer ?? r.address)) ?? this.backlogged(lookups.length);
          if (c) { applyAffair(this.d, this.custody, this.clock, { r, c, row }, effects); if (r.replay) replays++; }
          else lookups.push(r);
        }
      });
    } catch (e) {
      this.held.refuse(e as Error, items.length);
      this.held.hold(items);
      this.startLookups();
      return;
    }
    for (const r of lookups) this.park(r);
    this.startLookups();
    for (const f of effects) f();
    this.countReplayed(replays);
    this.wakeIdle();
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
    // A bandit that is a network (IPV6_PREFIX) is classified by the address its first line named.
    const peer = this.pending.get(address)?.[0]?.peer ?? address;
    void this.d.dns.classify(peer).catch((e: Error): Classification => ({ class: 'UNRESOLVED', reason: e.message })).then((c) => {
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
