// The heart of GeoTrack: each address handed over is located (from geotrack.db when a recorded
// network holds it, else by whois), its network recorded, put in custody when its country is
// in ZONES, and counted by GeoCount.
//
// Invariants:
// - An address is in the queue table from its hand-over until its network is recorded: a stop,
//   a crash or a refusing registry loses nothing. The queue holds at most QUEUE_MAX addresses.
// - An address inside a recorded network costs no query; two addresses of one /24 (IPv6 /48)
//   are never located at once (the second waits and is then mostly inside the first's network).
// - custody gets only networks of ZONES countries, never one wholly inside the whitelist, this
//   machine's addresses or loopback, never one wider than WIDEST_NET (WIDEST_NET6).
import { formatDateTime, systemClock } from '../core/clock.js';
import { netOf, parseAddress, parseNet, type Net } from '../net/address.js';
import type { NetMatcher } from '../net/netmatch.js';
import type { FirewallChannel } from '../firewall/types.js';
import type { GeoDb, GeoRow } from './db.js';
import { RouteIndex } from './db.js';
import { GeoCount } from './count.js';
import { GeoLookup, UNKNOWN_COUNTRY, type Location } from './lookup.js';
import { ServerPaused } from './limits.js';
import { netHolds, routeText } from './range.js';

export interface GeoCounters {
  lines: number; unparsed: number; overlong: number; spared: number; known: number; queued: number; queueLost: number;
  located: number; queries: number; networks: number; custody: number; failures: number; cut: number;
}

export interface TrackerDeps {
  db: GeoDb;
  lookup: GeoLookup;
  fw: FirewallChannel;
  spare: () => NetMatcher;
  conf: { zones: Set<string>; QUEUE_MAX: number; WHOIS_PARALLEL: number; WIDEST_NET: number; WIDEST_NET6: number };
  log: (m: string) => void;
  trace: (m: string) => void;
  /** The module that still drops an address (its custody entry is shared): custody keeps it. */
  dropper?: (address: string) => string | undefined;
}

interface Waiting { address: string; origin: string; tries: number; notBefore: number }

/** Tries after which an address whose lookup keeps failing for no registry's pause is recorded alone, country ZZ. */
const MAX_TRIES = 5;

// The block two addresses share when they are likely of one network.
function blockOf(a: Net): string { return netOf(a.family, a.base, a.family === 4 ? 24 : 48).text; }

export class GeoTracker {
  readonly counters: GeoCounters = { lines: 0, unparsed: 0, overlong: 0, spared: 0, known: 0, queued: 0, queueLost: 0, located: 0, queries: 0, networks: 0, custody: 0, failures: 0, cut: 0 };
  readonly routes: RouteIndex;
  readonly geocount: GeoCount;
  private readonly waiting = new Map<string, Waiting>();
  private readonly busy = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private running = 0;
  private stopped = false;
  private lostSaid = 0;
  private readonly ins;
  private readonly del;
  private readonly upd;
  private readonly rec;

  constructor(private d: TrackerDeps) {
    this.routes = RouteIndex.load(d.db);
    this.geocount = new GeoCount(d.db);
    this.ins = d.db.prepare('INSERT OR IGNORE INTO queue (address, origin, queued, tries) VALUES (?, ?, ?, 0)');
    this.del = d.db.prepare('DELETE FROM queue WHERE address = ?');
    this.upd = d.db.prepare('UPDATE queue SET tries = ? WHERE address = ?');
    this.rec = d.db.prepare('INSERT OR IGNORE INTO geotrack (route, ip, country, origin, regdate, provider) VALUES (@route, @ip, @country, @origin, @regdate, @provider)');
    for (const r of d.db.prepare('SELECT address, origin, tries FROM queue ORDER BY queued').all() as { address: string; origin: string; tries: number }[]) {
      this.waiting.set(r.address, { address: r.address, origin: r.origin, tries: r.tries, notBefore: 0 });
    }
    this.counters.networks = this.routes.size;
    this.counters.queued = this.waiting.size;
  }

  /** New settings (after SIGHUP): ZONES and the bounds apply to what is located from now on. */
  configure(conf: TrackerDeps['conf']): { added: number; removed: number } {
    const before = this.d.conf.zones;
    this.d = { ...this.d, conf };
    return this.applyZones(before, conf.zones);
  }

  /**
   * Recorded networks of countries that came into ZONES go into custody, those of countries
   * that left it come out (a single-address route stays while a module drops that address).
   */
  private applyZones(before: Set<string>, now: Set<string>): { added: number; removed: number } {
    const gone = [...before].filter((z) => !now.has(z)), come = [...now].filter((z) => !before.has(z));
    let added = 0, removed = 0;
    if (gone.length + come.length === 0) return { added, removed };
    const q = this.d.db.prepare('SELECT route, country FROM geotrack WHERE country = ?');
    for (const z of come) for (const r of q.all(z) as { route: string }[]) {
      const n = parseNet(r.route);
      if (!n || this.d.spare().covers(n)) continue;
      this.d.fw.add('custody', n.text);
      added++;
    }
    for (const z of gone) for (const r of q.all(z) as { route: string }[]) {
      const n = parseNet(r.route);
      if (!n || (n.prefix === (n.family === 4 ? 32 : 128) && this.d.dropper?.(n.text))) continue;
      this.d.fw.del('custody', n.text);
      removed++;
    }
    return { added, removed };
  }

  /** Addresses an earlier run left in the queue (replayed at start). */
  get backlog(): number { return this.waiting.size; }

  /** Take a batch of hand-overs (one FIFO read) in one transaction. */
  handOver(items: { address: string; origin: string }[]): void {
    const now = formatDateTime(systemClock.now());
    const fresh: Waiting[] = [];
    for (const it of items) {
      this.counters.lines++;
      const a = parseAddress(it.address)!;
      if (this.d.spare().containsNet(a)) { this.counters.spared++; this.d.trace(`${it.address} (${it.origin}): spared (whitelist, own address, loopback)`); continue; }
      const row = this.routes.find(a);
      if (row) {
        this.counters.known++;
        this.geocount.count(row.country, it.origin);
        this.d.trace(`${it.address} (${it.origin}): in ${row.route} (${row.country}, ${row.provider}): no query`);
        continue;
      }
      if (this.waiting.has(it.address)) continue;
      if (this.waiting.size >= this.d.conf.QUEUE_MAX) { this.counters.queueLost++; continue; }
      const w = { address: it.address, origin: it.origin, tries: 0, notBefore: 0 };
      this.waiting.set(it.address, w);
      fresh.push(w);
    }
    this.saveQueue(fresh, now);
    if (this.counters.queueLost > this.lostSaid) {
      this.d.log(`queue full (QUEUE_MAX=${this.d.conf.QUEUE_MAX}): ${this.counters.queueLost - this.lostSaid} addresses not taken, ${this.counters.queueLost} in all`);
      this.lostSaid = this.counters.queueLost;
    }
    this.counters.queued = this.waiting.size;
    this.wake();
  }

  // Queue rows the database refused (locked): written with the next hand-over or tick.
  private unsaved: Waiting[] = [];

  /** Write new queue rows; while the database refuses, they wait in memory (and are located all the same). */
  saveQueue(fresh: Waiting[] = [], now = formatDateTime(systemClock.now())): void {
    const rows = [...this.unsaved.filter((w) => this.waiting.get(w.address) === w), ...fresh];
    if (rows.length === 0) return;
    try {
      this.d.db.transaction(() => { for (const w of rows) this.ins.run(w.address, w.origin, now); }).immediate();
      if (this.unsaved.length) this.d.log(`queue written again: ${rows.length} addresses`);
      this.unsaved = [];
    } catch (e) {
      if (this.unsaved.length === 0) this.d.log(`queue not written (${(e as Error).message}): the addresses wait in memory until it takes them`);
      this.unsaved = rows;
    }
  }

  /** Start the workers (WHOIS_PARALLEL). */
  start(): void { for (let i = 0; i < this.d.conf.WHOIS_PARALLEL; i++) void this.work(); }

  /** Stop taking addresses; resolves when the lookups in flight have ended (at most `ms`). */
  async stop(ms: number): Promise<void> {
    this.stopped = true;
    this.wake();
    const end = systemClock.mono() + ms;
    while (this.running > 0 && systemClock.mono() < end) await new Promise((r) => setTimeout(r, 20));
  }

  // The next address that may be located now; undefined when none.
  private next(): Waiting | undefined {
    const now = systemClock.now();
    for (const w of this.waiting.values()) {
      if (w.notBefore > now || this.busy.has(w.address)) continue;
      const a = parseAddress(w.address)!;
      const block = blockOf(a);
      if (this.busy.has(block)) continue;
      return w;
    }
    return undefined;
  }

  private async idle(): Promise<void> {
    const now = systemClock.now();
    let soonest = Infinity;
    for (const w of this.waiting.values()) if (w.notBefore > now) soonest = Math.min(soonest, w.notBefore);
    await new Promise<void>((resolve) => {
      const go = (): void => { clearTimeout(t); this.waiters.delete(go); resolve(); };
      const t = setTimeout(go, Math.min(Math.max(soonest - now, 10), 60_000));
      this.waiters.add(go);
    });
  }

  private wake(): void { for (const go of [...this.waiters]) go(); }

  private async work(): Promise<void> {
    this.running++;
    try {
      while (!this.stopped) {
        const w = this.next();
        if (!w) { await this.idle(); continue; }
        const a = parseAddress(w.address)!;
        const block = blockOf(a);
        this.busy.add(w.address); this.busy.add(block);
        try { await this.locateOne(w, a); } finally { this.busy.delete(w.address); this.busy.delete(block); this.wake(); }
      }
    } finally { this.running--; }
  }

  private async locateOne(w: Waiting, a: Net): Promise<void> {
    // Another worker may have recorded its network meanwhile.
    const row = this.routes.find(a);
    if (row) { try { this.del.run(w.address); } catch { /* removed with the next record */ } this.done(w); this.counters.known++; this.geocount.count(row.country, w.origin); return; }
    try {
      const loc = await this.d.lookup.locate(w.address);
      this.record(w, a, loc);
    } catch (e) {
      if (e instanceof ServerPaused) {
        w.notBefore = e.until;
        this.d.log(`${w.address}: ${e.message}: kept in the queue`);
      } else if (String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY')) {
        // The database refused the record (locked): the location is asked again shortly, no try counted.
        w.notBefore = systemClock.now() + 5_000;
        this.d.log(`${w.address}: not recorded now (${(e as Error).message}): asked again in 5 s`);
      } else {
        this.counters.failures++;
        w.tries++;
        w.notBefore = systemClock.now() + 60_000 * w.tries;
        this.d.log(`${w.address}: lookup failed (try ${w.tries} of ${MAX_TRIES}): ${(e as Error).message}`);
        try {
          if (w.tries >= MAX_TRIES) this.record(w, a, { nets: [netOf(a.family, a.base, a.family === 4 ? 32 : 128)], country: UNKNOWN_COUNTRY, provider: 'none', queries: 0, cut: false });
          else this.upd.run(w.tries, w.address);
        } catch (k) { this.d.log(`${w.address}: ${(k as Error).message}`); }
      }
    } finally {
      this.counters.queries = this.d.lookup.queries;
      this.counters.cut = this.d.lookup.cut;
    }
  }

  // The networks of a location as recorded: each narrowed to WIDEST_NET around the address where wider.
  private routesOf(a: Net, loc: Location): Net[] {
    const widest = a.family === 4 ? this.d.conf.WIDEST_NET : this.d.conf.WIDEST_NET6;
    const out: Net[] = [];
    for (const n of loc.nets) {
      if (n.family !== a.family) continue;
      if (n.prefix >= widest) out.push(n);
      else if (netHolds(n, a)) out.push(netOf(a.family, a.base, widest));
    }
    return out.length ? out : [netOf(a.family, a.base, a.family === 4 ? 32 : 128)];
  }

  private record(w: Waiting, a: Net, loc: Location): void {
    const nets = this.routesOf(a, loc);
    const regdate = formatDateTime(systemClock.now());
    const rows: GeoRow[] = nets.map((n) => ({ route: routeText(n), ip: w.address, country: loc.country, origin: w.origin, regdate, provider: loc.provider }));
    this.d.db.transaction(() => { for (const r of rows) this.rec.run(r); this.del.run(w.address); }).immediate();
    this.done(w);
    for (const r of rows) this.routes.add(r);
    this.counters.networks = this.routes.size;
    this.counters.located++;
    this.geocount.count(loc.country, w.origin);
    const zone = this.d.conf.zones.has(loc.country);
    const held: string[] = [];
    if (zone) {
      for (const n of nets) {
        if (this.d.spare().covers(n)) { this.d.log(`${routeText(n)} (${loc.country}) not put in custody: inside the whitelist, this machine's addresses or loopback`); continue; }
        this.d.fw.add('custody', n.text);
        this.counters.custody++;
        held.push(routeText(n));
      }
    }
    const what = `${w.address} (${w.origin}): ${rows.map((r) => r.route).join(' ')} ${loc.country} by ${loc.provider}, ${loc.queries} queries${loc.cut ? ', answer cut at WHOIS_MAX_BYTES' : ''}`;
    this.d.trace(`${what}${zone ? `: custody ${held.join(' ') || 'none'}` : ''}`);
    if (zone) this.d.log(`custody ${held.join(' ')}: ${what}`);
  }

  private done(w: Waiting): void {
    this.waiting.delete(w.address);
    this.counters.queued = this.waiting.size;
  }
}
