// The affairs ladder of DESIGN §4: how one more affair changes an address's row.
//
// Invariants:
// - A new address starts at the rule's penalty (default 1); NXDOMAIN and FAKEHOST start at
//   MAX_AFFAIRS-1 whatever the penalty. Affairs never exceed MAX_AFFAIRS.
// - Below MAX_AFFAIRS the address sits in tarpit for 2^affairs * TIME_SLICE seconds.
// - At MAX_AFFAIRS the row is DROP (drop_time and dropped_by, the counting module, set once)
//   and the address goes to custody.
// - A DROP row stays DROP; a new affair only refreshes last_seen and custody.
// - origin is the module that introduced the address; a module with a class of its own
//   (WatchMB: Breaker) stamps it on every row it counts an affair for. A module that reads
//   an instance in its lines (WatchWB) stamps the instance of the first affair on a new row.
import type { BanditRow } from './db.js';
import type { Classification } from '../net/dns.js';
import { MAX_TIMEOUT } from '../firewall/entries.js';

export interface LadderConf { MAX_AFFAIRS: number; TIME_SLICE: number }

/** What the firewall must do after an affair. */
export type Measure = { kind: 'tarpit'; timeout: number } | { kind: 'drop'; fresh: boolean };

/** Seconds in tarpit after `affairs` affairs (capped at what the kernel takes). */
export function tarpitSeconds(affairs: number, timeSlice: number): number {
  return Math.min(2 ** affairs * timeSlice, MAX_TIMEOUT);
}

/** The starting affairs of a new address of this class. */
export function initialAffairs(cls: Classification['class'], penalty: number | undefined, conf: LadderConf): number {
  const base = Math.max(1, penalty ?? 1);
  const preset = cls === 'NXDOMAIN' || cls === 'FAKEHOST' ? Math.max(base, conf.MAX_AFFAIRS - 1) : base;
  return Math.min(preset, conf.MAX_AFFAIRS);
}

/** origin: the counting module's origin name (a new row's origin, a drop's dropped_by). */
export interface Affair { address: string; rule: string; penalty?: number; now: string; origin: string; modclass?: string; instance?: string }

/** The row after one more affair (row undefined: a new address) and the measure it takes. */
export function countAffair(row: BanditRow | undefined, a: Affair, c: Classification, conf: LadderConf): { row: BanditRow; measure: Measure; initial: boolean } {
  if (!row) {
    const affairs = initialAffairs(c.class, a.penalty, conf);
    const drop = affairs >= conf.MAX_AFFAIRS;
    const fresh: BanditRow = {
      address: a.address, class: c.class, host: c.host ?? null, affairs, status: drop ? 'DROP' : 'INITIAL', rule: a.rule,
      modclass: a.modclass ?? a.instance ?? null, first_seen: a.now, last_seen: a.now, drop_time: drop ? a.now : null, origin: a.origin,
      dropped_by: drop ? a.origin : null,
    };
    return { row: fresh, initial: true, measure: drop ? { kind: 'drop', fresh: true } : { kind: 'tarpit', timeout: tarpitSeconds(affairs, conf.TIME_SLICE) } };
  }
  if (row.status === 'DROP') return { row: { ...row, rule: a.rule, last_seen: a.now }, initial: false, measure: { kind: 'drop', fresh: false } };
  const affairs = Math.min(row.affairs + 1, conf.MAX_AFFAIRS);
  const drop = affairs >= conf.MAX_AFFAIRS;
  const next: BanditRow = { ...row, affairs, rule: a.rule, modclass: a.modclass ?? row.modclass, last_seen: a.now, status: drop ? 'DROP' : 'TARPIT', drop_time: drop ? a.now : null, dropped_by: drop ? a.origin : null };
  return { row: next, initial: false, measure: drop ? { kind: 'drop', fresh: true } : { kind: 'tarpit', timeout: tarpitSeconds(affairs, conf.TIME_SLICE) } };
}
