// inject: one affair for the attacker's address, batched per read chunk.
//
// Invariants:
// - Affairs of one address are applied in the order their lines arrived. An address not yet
//   in the database needs its DNS class first: its affairs wait in `pending` (and so do later
//   affairs of the same address) while the scanner goes on with other lines.
// - All affairs that are ready at the end of a chunk are written in one IMMEDIATE
//   transaction; the firewall channel gets its adds in the same order.
// - Whitelisted, own and loopback addresses never reach the database or the firewall.
// - An address already in DROP is put in custody again at most once a minute per process
//   (an affair of a dropped address is mostly one still in flight): the channel stays short.
import { formatDateTime, systemClock, type Clock } from './clock.js';
import { countAffair, type LadderConf } from './affairs.js';
import type { BanditStore, BanditRow } from './db.js';
import type { DnsClassifier, Classification } from './dns.js';
import type { FirewallChannel } from './firewall/types.js';
import type { FifoWriter } from './fifo.js';
import type { Counters } from './status.js';
/** Where trace and log lines go (a Trace, a LineWriter, or stdout for LGinjector). */
export interface Sink { readonly on?: boolean; write(message: string): void }

/** How often an affair of a dropped address renews its custody entry. */
const CUSTODY_REFRESH_MS = 60_000;

export interface InjectRequest {
  address: string;
  rule: string;
  penalty?: number;
  /** When the line was read (clock.mono), for the Finished trace. */
  t0: number;
}

export interface InjectorDeps {
  store: BanditStore;
  dns: DnsClassifier;
  fw: FirewallChannel;
  spare: (address: string) => boolean;
  conf: LadderConf;
  origin: string;
  modClass?: { label: string; value: string };
  /** GeoTrack's FIFO when GEOTRACK is set. */
  geo?: FifoWriter;
  counters: Counters;
  trace: Sink;
  log: Sink;
  clock?: Clock;
}

export class Injector {
  private ready: InjectRequest[] = [];
  private readonly pending = new Map<string, InjectRequest[]>();
  private readonly clock: Clock;
  private inflight = 0;
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

  /** Write every ready affair in one transaction; new addresses without a DNS answer wait for it. */
  flush(): void {
    if (this.ready.length === 0) return;
    const batch = this.ready;
    this.ready = [];
    const { store, dns } = this.d;
    store.batch(() => {
      for (const r of batch) {
        const waiting = this.pending.get(r.address);
        if (waiting) { waiting.push(r); this.d.counters.pending++; continue; }
        const row = store.get(r.address);
        const c = row ? { class: row.class as Classification['class'], host: row.host ?? undefined } : dns.cached(r.address);
        if (c) { this.apply(r, row, c); continue; }
        this.pending.set(r.address, [r]);
        this.d.counters.pending++;
        this.lookup(r.address);
      }
    });
  }

  /** Resolves when no DNS lookup is outstanding (for a clean stop). */
  settled(): Promise<void> {
    return this.inflight === 0 ? Promise.resolve() : new Promise((res) => { this.idle = res; });
  }

  private lookup(address: string): void {
    this.inflight++;
    void this.d.dns.classify(address).catch((e: Error): Classification => ({ class: 'UNRESOLVED', reason: e.message })).then((c) => {
      this.inflight--;
      const reqs = this.pending.get(address) ?? [];
      this.pending.delete(address);
      this.d.counters.pending -= reqs.length;
      try {
        this.d.store.batch(() => { for (const r of reqs) this.apply(r, this.d.store.get(address), c); });
      } catch (e) {
        this.d.log.write(`[inject] database write for ${address} failed: ${(e as Error).message}`);
      }
      if (this.inflight === 0) this.idle?.();
    });
  }

  // One affair inside the open transaction: the ladder, then the firewall.
  private apply(r: InjectRequest, row: BanditRow | undefined, c: Classification): void {
    const { d } = this;
    const t1 = this.clock.mono();
    const cls = `${c.class} ${r.address}`;
    if (d.trace.on) d.trace.write(`[inject] ${cls}${c.host ? ` (${c.host})` : ''}${c.reason ? ` [${c.reason}]` : ''}${d.modClass ? `, ${d.modClass.label}: ${d.modClass.value}` : ''}`);
    const res = countAffair(row, { address: r.address, rule: r.rule, penalty: r.penalty, now: formatDateTime(this.clock.now()), origin: d.origin, modclass: d.modClass?.value }, c, d.conf);
    if (row) d.store.update(res.row); else d.store.insert(res.row);
    d.counters.injected++;
    const of = `${res.row.affairs}/${d.conf.MAX_AFFAIRS}`;
    let what: string;
    if (res.measure.kind === 'tarpit') {
      d.fw.add('tarpit', r.address, res.measure.timeout);
      d.counters.tarpitted++;
      what = `${res.initial ? 'Initial' : 'Affairs'} ${of}${res.initial && r.penalty ? `, Penalty: ${r.penalty}` : ''}, tarpit ${res.measure.timeout} s`;
    } else {
      const since = this.custody.get(r.address);
      if (res.measure.fresh || since === undefined || t1 - since > CUSTODY_REFRESH_MS) {
        d.fw.add('custody', r.address);
        if (this.custody.size >= 100_000) this.custody.clear();
        this.custody.set(r.address, t1);
      }
      if (res.measure.fresh) {
        if (row) d.fw.del('tarpit', r.address);
        d.counters.dropped++;
        d.log.write(`DROP ${r.address} ${c.class}${c.host ? ` ${c.host}` : ''} rule '${r.rule}' ${of}`);
      }
      what = res.measure.fresh ? `DROP ${of}` : 'DROP again, custody refreshed';
    }
    if (res.initial && d.geo) d.geo.write(`${r.address} ${d.origin}`);
    if (d.trace.on) {
      d.trace.write(`[inject] ${cls} '${what}'`);
      const now = this.clock.mono();
      d.trace.write(`[inject] Finished for rule ['${r.rule}'], ${Math.round(now - r.t0)}/${Math.round(now - t1)} ms`);
    }
  }
}
