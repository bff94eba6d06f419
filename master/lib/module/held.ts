// The affairs a module holds while its database refuses writes, and the memory copy of the
// rows they touched: protection goes on from memory while the database catches up.
//
// Invariants:
// - Held affairs are kept oldest first and written in that order; nothing newer overtakes them.
// - Each held affair records what the firewall already got for it from memory (`applied`), so
//   writing it later never takes that back and only adds what the database's row asks beyond it.
// - At most `max` affairs are held. Beyond that an affair still reaches the firewall (counted
//   from the rows memory holds) but is lost for the database: counted in `lost`, never kept.
// - The memory rows are the rows after every held affair; they are dropped when the database has
//   taken everything, since the database is the truth again (other processes write it too).
import type { BanditRow } from './db.js';
import type { Classification } from '../net/dns.js';
import type { InjectRequest, Applied } from './inject-apply.js';

/** An affair counted from memory, waiting for the database. */
export interface HeldAffair { r: InjectRequest; c: Classification; applied: Applied }

export class Backlog {
  private items: HeldAffair[] = [];
  private head = 0;
  private readonly rows = new Map<string, BanditRow>();
  /** Affairs beyond the bound since the module started: never written. */
  lost = 0;
  /** Since when (epoch ms) the database refuses; undefined while it takes every write. */
  since?: number;
  /** Why the database refuses (its last answer). */
  problem?: string;

  constructor(readonly max: number) {}

  get length(): number { return this.items.length - this.head; }

  /** Whether the database refuses now or still has held affairs to take. */
  get active(): boolean { return this.since !== undefined || this.length > 0; }

  /** The memory copy of an address's row, if memory holds the address. */
  row(address: string): BanditRow | undefined { return this.rows.get(address); }

  /** Keep an affair and the row after it; false when the bound is reached (the affair is lost). */
  keep(a: HeldAffair, row: BanditRow): boolean {
    if (this.length >= this.max) {
      this.lost++;
      if (this.rows.has(a.r.address)) this.rows.set(a.r.address, row);
      return false;
    }
    this.items.push(a);
    this.rows.set(a.r.address, row);
    return true;
  }

  /** The oldest `n` held affairs (still held). */
  oldest(n: number): HeldAffair[] { return this.items.slice(this.head, this.head + n); }

  /** The oldest `n` are in the database now. */
  drop(n: number): void {
    this.head += n;
    if (this.head >= this.items.length) { this.items = []; this.head = 0; }
    else if (this.head > 65_536 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
  }

  /** The database took everything: memory is no longer the truth. */
  settle(): void {
    this.items = [];
    this.head = 0;
    this.rows.clear();
    this.since = undefined;
    this.problem = undefined;
  }
}
