// The affairs ladder applied to one affair of the injector (see inject.ts for the invariants).
import { formatDateTime, type Clock } from '../core/clock.js';
import { countAffair } from './affairs.js';
import type { BanditRow } from './db.js';
import type { Classification } from '../net/dns.js';
import type { BanditStore } from './db.js';
import type { DnsClassifier } from '../net/dns.js';
import type { FirewallChannel } from '../firewall/types.js';
import type { FifoWriter } from './fifo.js';
import { instanceCounts, type Counters } from '../core/status.js';
import type { LadderConf } from './affairs.js';
import type { Measure } from './affairs.js';

/** Where trace and log lines go (a Trace, a LineWriter, or stdout for LGinjector). */
export interface Sink { readonly on?: boolean; write(message: string): void }

export interface InjectRequest {
  /** The bandit: the address the line names, or its IPv6 network (IPV6_PREFIX; see bandit.ts). */
  address: string;
  /** The address the line named, when `address` is its network: DNS and GeoTrack are asked about it. */
  peer?: string;
  rule: string;
  penalty?: number;
  /** When the line was read (clock.mono), for the Finished trace. */
  t0: number;
  /** When the line was read (epoch ms): the row's last_seen, also when the affair is written late. */
  at?: number;
  /** It comes from the held file of an earlier stop. */
  replay?: boolean;
  /** The instance the line names (WatchWB: vhost:port): counted under it, a new row's modclass. */
  instance?: string;
}

export interface InjectorDeps {
  store: BanditStore;
  dns: DnsClassifier;
  fw: FirewallChannel;
  spare: (address: string) => boolean;
  /** The bandit an address that is not spared counts as (its IPv6 network); the address itself when absent. */
  bandit?: (address: string) => string;
  conf: LadderConf;
  origin: string;
  modClass?: { label: string; value: string };
  /** GeoTrack's FIFO when GEOTRACK is set. */
  geo?: FifoWriter;
  counters: Counters;
  trace: Sink;
  log: Sink;
  clock?: Clock;
  /** At most this many affairs are held while the database refuses writes (MAX_HELD_AFFAIRS). */
  maxHeld?: number;
}

/** What the firewall got for an affair counted from memory, before the database had it. */
export interface Applied { measure: Measure; initial: boolean; affairs: number }

/** How often an affair of a dropped address renews its custody entry. */
const CUSTODY_REFRESH_MS = 60_000;

/** An affair being counted: the request, its DNS class, the row before it and when counting began (clock.mono). */
export interface Counting { r: InjectRequest; c: Classification; row: BanditRow | undefined; t1: number }

/** A new address to GeoTrack (`ADDR Watch<XX>`), never waiting: what its FIFO does not take now is counted as geoLost. */
function handToGeoTrack(d: InjectorDeps, address: string): void {
  if (!d.geo) return;
  if (d.geo.write(`${address} ${d.origin}`)) d.counters.geoHandedOver++;
  else if (!d.geo.absent) d.counters.geoLost++;
}

/** The affairs ladder for one affair on a row (the database's, or memory's copy): the row after it and the measure. */
export function countFor(d: InjectorDeps, clock: Clock, a: { r: InjectRequest; c: Classification; row: BanditRow | undefined }): Counted {
  const { r } = a;
  return countAffair(a.row, { address: r.address, rule: r.rule, penalty: r.penalty, now: formatDateTime(r.at ?? clock.now()), origin: d.origin, modclass: d.modClass?.value, instance: r.instance }, a.c, d.conf);
}

export type Counted = ReturnType<typeof countAffair>;

/** Count one affair inside the open transaction; what the firewall, GeoTrack, log and trace hear goes to `effects`, run after the commit. */
export function applyAffair(d: InjectorDeps, custody: Map<string, number>, clock: Clock, a: { r: InjectRequest; c: Classification; row: BanditRow | undefined }, effects: (() => void)[]): Counted {
  const t1 = clock.mono();
  const res = countFor(d, clock, a);
  if (a.row) d.store.update(res.row); else d.store.insert(res.row);
  effects.push(() => announceAffair(d, custody, clock, { ...a, t1 }, res));
  return res;
}

/** What the firewall, GeoTrack, log, trace and counters hear of one counted affair; `held`: counted from memory, the database refuses. */
export function announceAffair(d: InjectorDeps, custody: Map<string, number>, clock: Clock, a: Counting, res: Counted, held = false): void {
  const { r, c, row, t1 } = a;
  const cls = `${c.class} ${r.address}`;
  if (d.trace.on) d.trace.write(`[inject] ${cls}${c.host ? ` (${c.host})` : ''}${c.reason ? ` [${c.reason}]` : ''}${d.modClass ? `, ${d.modClass.label}: ${d.modClass.value}` : ''}${r.instance ? `, instance ${r.instance}` : ''}`);
  d.counters.injected++;
  const inst = r.instance !== undefined ? instanceCounts(d.counters, r.instance) : undefined;
  if (inst) inst.injected++;
  const of = `${res.row.affairs}/${d.conf.MAX_AFFAIRS}`;
  let what: string;
  if (res.measure.kind === 'tarpit') {
    d.fw.add('tarpit', r.address, res.measure.timeout);
    d.counters.tarpitted++;
    if (inst) inst.tarpitted++;
    what = `${res.initial ? 'Initial' : 'Affairs'} ${of}${res.initial && r.penalty ? `, Penalty: ${r.penalty}` : ''}, tarpit ${res.measure.timeout} s`;
  } else {
    const since = custody.get(r.address);
    if (res.measure.fresh || since === undefined || t1 - since > CUSTODY_REFRESH_MS) putInCustody(d, custody, r.address, t1);
    if (res.measure.fresh) {
      if (row) d.fw.del('tarpit', r.address);
      d.counters.dropped++;
      if (inst) inst.dropped++;
      d.log.write(`DROP ${r.address} ${c.class}${c.host ? ` ${c.host}` : ''} rule '${r.rule}'${r.instance ? ` instance ${r.instance}` : ''} ${of}${held ? ' (counted from memory: the database refuses)' : ''}`);
    }
    what = res.measure.fresh ? `DROP ${of}` : 'DROP again, custody refreshed';
  }
  if (res.initial) handToGeoTrack(d, r.peer ?? r.address);
  if (d.trace.on) {
    d.trace.write(`[inject] ${cls} '${what}'${held ? ' [held: the database refuses]' : ''}`);
    const now = clock.mono();
    d.trace.write(`[inject] Finished for rule ['${r.rule}'], ${Math.round(now - r.t0)}/${Math.round(now - t1)} ms`);
  }
}

/**
 * A held affair written at last: the firewall already got `applied` from memory. Only what the
 * database's row asks beyond it is added (custody over tarpit, a longer tarpit; another module
 * may have counted the address meanwhile); nothing is taken back.
 */
export function correctAffair(d: InjectorDeps, custody: Map<string, number>, clock: Clock, a: { r: InjectRequest; c: Classification; row: BanditRow | undefined }, res: Counted, applied: Applied): void {
  const { r, c } = a;
  const m = res.measure, was = applied.measure;
  if (res.initial && !applied.initial) handToGeoTrack(d, r.peer ?? r.address);
  if (m.kind === 'tarpit') {
    if (was.kind === 'tarpit' && m.timeout > was.timeout) d.fw.add('tarpit', r.address, m.timeout);
    return;
  }
  if (was.kind === 'drop') return;
  putInCustody(d, custody, r.address, clock.mono());
  d.fw.del('tarpit', r.address);
  if (m.fresh) {
    d.counters.dropped++;
    d.log.write(`DROP ${r.address} ${c.class}${c.host ? ` ${c.host}` : ''} rule '${r.rule}' ${res.row.affairs}/${d.conf.MAX_AFFAIRS} (the database's row, written late)`);
  }
  if (d.trace.on) d.trace.write(`[inject] ${c.class} ${r.address} 'DROP ${res.row.affairs}/${d.conf.MAX_AFFAIRS}' [the database's row, written late]`);
}

function putInCustody(d: InjectorDeps, custody: Map<string, number>, address: string, t: number): void {
  d.fw.add('custody', address);
  if (custody.size >= 100_000) custody.clear();
  custody.set(address, t);
}
