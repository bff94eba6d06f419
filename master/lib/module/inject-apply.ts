// The affairs ladder applied to one affair of the injector (see inject.ts for the invariants).
import { formatDateTime, type Clock } from '../core/clock.js';
import { countAffair } from './affairs.js';
import type { BanditRow } from './db.js';
import type { Classification } from '../net/dns.js';
import type { BanditStore } from './db.js';
import type { DnsClassifier } from '../net/dns.js';
import type { FirewallChannel } from '../firewall/types.js';
import type { FifoWriter } from './fifo.js';
import type { Counters } from '../core/status.js';
import type { LadderConf } from './affairs.js';

/** Where trace and log lines go (a Trace, a LineWriter, or stdout for LGinjector). */
export interface Sink { readonly on?: boolean; write(message: string): void }

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

/** How often an affair of a dropped address renews its custody entry. */
const CUSTODY_REFRESH_MS = 60_000;

/** Count one affair inside the open transaction; what the firewall, GeoTrack, log and trace hear goes to `effects`, run after the commit. */
export function applyAffair(d: InjectorDeps, custody: Map<string, number>, clock: Clock, a: { r: InjectRequest; c: Classification; row: BanditRow | undefined }, effects: (() => void)[]): void {
  const { r, c, row } = a;
  const t1 = clock.mono();
  const cls = `${c.class} ${r.address}`;
  const res = countAffair(row, { address: r.address, rule: r.rule, penalty: r.penalty, now: formatDateTime(clock.now()), origin: d.origin, modclass: d.modClass?.value }, c, d.conf);
  if (row) d.store.update(res.row); else d.store.insert(res.row);
  effects.push(() => {
    if (d.trace.on) d.trace.write(`[inject] ${cls}${c.host ? ` (${c.host})` : ''}${c.reason ? ` [${c.reason}]` : ''}${d.modClass ? `, ${d.modClass.label}: ${d.modClass.value}` : ''}`);
    d.counters.injected++;
    const of = `${res.row.affairs}/${d.conf.MAX_AFFAIRS}`;
    let what: string;
    if (res.measure.kind === 'tarpit') {
      d.fw.add('tarpit', r.address, res.measure.timeout);
      d.counters.tarpitted++;
      what = `${res.initial ? 'Initial' : 'Affairs'} ${of}${res.initial && r.penalty ? `, Penalty: ${r.penalty}` : ''}, tarpit ${res.measure.timeout} s`;
    } else {
      const since = custody.get(r.address);
      if (res.measure.fresh || since === undefined || t1 - since > CUSTODY_REFRESH_MS) {
        d.fw.add('custody', r.address);
        if (custody.size >= 100_000) custody.clear();
        custody.set(r.address, t1);
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
      const now = clock.mono();
      d.trace.write(`[inject] Finished for rule ['${r.rule}'], ${Math.round(now - r.t0)}/${Math.round(now - t1)} ms`);
    }
  });
}
