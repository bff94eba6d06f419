// GeoCount: accesses per country and module, counted beside GeoTrack without slowing it: counts
// gather in memory and go to the geocount table in one transaction a second (the seeds'
// `count = count+1, lasttime = ...`, batched).
import { formatDateTime, systemClock } from '../core/clock.js';
import type { GeoDb } from './db.js';

export class GeoCount {
  private pending = new Map<string, { country: string; origin: string; n: number; last: number }>();
  /** Accesses counted in all. */
  counted = 0;
  constructor(private readonly db: GeoDb) {}

  /** One access of the country by a module. */
  count(country: string, origin: string): void {
    const k = `${country} ${origin}`;
    const p = this.pending.get(k);
    const now = systemClock.now();
    if (p) { p.n++; p.last = now; } else this.pending.set(k, { country, origin, n: 1, last: now });
    this.counted++;
  }

  /** Write what was counted; kept for the next try when the database refuses. */
  flush(): void {
    if (this.pending.size === 0) return;
    const rows = [...this.pending.values()];
    const up = this.db.prepare('INSERT INTO geocount (country, origin, count, lasttime) VALUES (?, ?, ?, ?) ON CONFLICT (country, origin) DO UPDATE SET count = count + excluded.count, lasttime = excluded.lasttime');
    this.db.transaction(() => { for (const r of rows) up.run(r.country, r.origin, r.n, formatDateTime(r.last)); }).immediate();
    this.pending = new Map();
  }
}
