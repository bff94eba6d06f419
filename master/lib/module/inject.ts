// inject: one affair for the attacker's address, batched per read chunk.
//
// Invariants:
// - Affairs of one address are applied in the order their lines arrived. An address not yet
//   in the database needs its DNS class first: its affairs wait in `pending` (and so do later
//   affairs of the same address) while the scanner goes on with other lines.
// - All affairs that are ready at the end of a chunk are written in one IMMEDIATE
//   transaction; the firewall channel, GeoTrack and the log hear of them only after the
//   commit, in the same order.
// - A batch the database refuses (locked by another process, disk full) is kept, in order,
//   before anything newer, and written again after a pause that doubles up to RETRY_MAX_MS;
//   the busy timeout of a module's connection is short, so the event loop never waits long.
// - At most LOOKUPS_MAX DNS lookups run at once and at most PENDING_MAX addresses wait for
//   one; beyond that a new address is counted at once as UNRESOLVED (DNS backlog).
// - Whitelisted, own and loopback addresses never reach the database or the firewall.
// - An address already in DROP is put in custody again at most once a minute per process
//   (an affair of a dropped address is mostly one still in flight): the channel stays short.
import { systemClock, type Clock } from '../core/clock.js';
import type { LadderConf } from './affairs.js';
import { applyAffair, type InjectorDeps, type InjectRequest } from './inject-apply.js';

export type { InjectorDeps, InjectRequest, Sink } from './inject-apply.js';
import type { BanditStore } from './db.js';
import type { DnsClassifier, Classification } from '../net/dns.js';
import type { FirewallChannel } from '../firewall/types.js';
import type { FifoWriter } from './fifo.js';
import type { Counters } from '../core/status.js';

const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2000;
const LOOKUPS_MAX = 64;
const PENDING_MAX = 10_000;

/** An affair, with the DNS class it is counted under once that is known. */
interface Item { r: InjectRequest; c?: Classification }

export class Injector {
  private ready: InjectRequest[] = [];
  /** Affairs the database has not taken yet (oldest first). */
  private unwritten: Item[] = [];
  private readonly pending = new Map<string, InjectRequest[]>();
  /** Addresses waiting for a lookup slot. */
  private readonly queue: string[] = [];
  private readonly clock: Clock;
  private inflight = 0;
  private retryMs = 0;
  private retryTimer?: NodeJS.Timeout;
  /** Addresses this process put in custody, and when (clock.mono). */
  private readonly custody = new Map<string, number>();
  private idle?: () => void;

  constructor(private readonly d: InjectorDeps) { this.clock = d.clock ?? systemClock; }

  /** Take one affair; it is written at the next flush (or when its DNS answer comes). */
  submit(r: InjectRequest): void {
    if (this.d.spare(r.address)) {
      this.d.counters.spared++;
      this.d.trace.write(`[inject] ${r.address} is whitelisted, own or loopback: spared`);
      return;
    }
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
    this.write(out);
  }

  /** Resolves when no DNS lookup is outstanding and the database has every affair (for a clean stop). */
  settled(): Promise<void> {
    return this.inflight === 0 && this.unwritten.length === 0 ? Promise.resolve() : new Promise((res) => { this.idle = res; });
  }

  /** Last try at stop: wait up to `ms` for the database lock; returns the affairs still unwritten. */
  drain(ms: number): number {
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = undefined; }
    if (this.unwritten.length === 0) return 0;
    this.d.store.setBusyTimeout(ms);
    this.write([]);
    return this.unwritten.length;
  }

  // Write older unwritten affairs, then `more`, in one transaction; keep them all on failure.
  private write(more: Item[]): void {
    if (this.retryTimer) { this.unwritten.push(...more); this.d.counters.unwritten = this.unwritten.length; return; }
    const items = this.unwritten.length ? [...this.unwritten, ...more] : more;
    if (items.length === 0) return;
    const effects: (() => void)[] = [];
    const lookups: InjectRequest[] = [];
    try {
      // One read of the row per affair, in the write transaction: it gives the class too.
      this.d.store.batch(() => {
        for (const { r, c: known } of items) {
          const row = this.d.store.get(r.address);
          const c = known ?? (row ? { class: row.class as Classification['class'], host: row.host ?? undefined } : this.d.dns.cached(r.address))
            ?? (this.pending.size + lookups.length >= PENDING_MAX ? { class: 'UNRESOLVED', reason: 'DNS backlog' } : undefined);
          if (c) applyAffair(this.d, this.custody, this.clock, { r, c, row }, effects);
          else lookups.push(r);
        }
      });
    } catch (e) {
      this.unwritten = items;
      this.d.counters.unwritten = items.length;
      if (this.retryMs === 0) this.d.log.write(`[inject] database refused ${items.length} affairs (${(e as Error).message}): kept, writing again`);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs ? this.retryMs * 2 : RETRY_FIRST_MS);
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.write([]); }, this.retryMs);
      return;
    }
    if (this.retryMs) this.d.log.write(`[inject] database took the ${items.length} kept affairs`);
    this.retryMs = 0;
    this.unwritten = [];
    this.d.counters.unwritten = 0;
    for (const r of lookups) this.await(r);
    this.startLookups();
    for (const f of effects) f();
    if (this.inflight === 0) this.idle?.();
  }

  // Park an affair until the DNS class of its (new) address is known; one lookup per address.
  private await(r: InjectRequest): void {
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
      const reqs = this.pending.get(address) ?? [];
      this.pending.delete(address);
      this.d.counters.pending -= reqs.length;
      this.startLookups();
      try { this.write(reqs.map((r) => ({ r, c }))); }
      catch (e) { this.d.log.write(`[inject] affairs of ${address}: ${(e as Error).message}`); }
      if (this.inflight === 0 && this.unwritten.length === 0) this.idle?.();
    });
  }
}
