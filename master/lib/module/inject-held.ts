// The injector's side for a database that refuses writes (see inject.ts for the invariants):
// each affair counted on memory's copy of its row and held (held.ts), the held affairs written
// late in chunks, oldest first, and the backlog shown in the status counters and the log.
import type { Clock } from '../core/clock.js';
import { announceAffair, countFor, correctAffair, type InjectorDeps, type InjectRequest } from './inject-apply.js';
import { Backlog, type HeldAffair } from './held.js';
import type { HeldLine } from './held-file.js';
import type { BanditRow } from './db.js';
import type { Classification } from '../net/dns.js';

const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2000;
/** Held affairs written per transaction when the database takes writes again (the scanner runs between them). */
const CATCHUP_CHUNK = 5000;

/** What the held side asks of the injector. */
export interface HeldHooks {
  /** If the address waits for a DNS answer, the affair joins it (true). */
  join(r: InjectRequest): boolean;
  /** The class known without asking (the row, the DNS cache, the DNS backlog), else undefined. */
  classOf(r: InjectRequest, row: BanditRow | undefined): Classification | undefined;
  /** The affair needs a DNS answer first. */
  park(r: InjectRequest): void;
  /** `n` affairs of the held file are done with (written, or lost beyond the bound). */
  replayed(n: number): void;
  /** The database has taken every held affair. */
  settled(): void;
}

export class HeldWriter {
  readonly backlog: Backlog;
  private retryMs = 0;
  private retryTimer?: NodeJS.Timeout;
  /** The next chunk is due (setImmediate). */
  private catching = false;
  private stopping = false;
  private closed = false;
  /** Written and lost since the database first refused (for one summary line). */
  private episode = { written: 0, lostBefore: 0, lossLogged: false };

  constructor(private readonly d: InjectorDeps, private readonly custody: Map<string, number>, private readonly clock: Clock, private readonly hooks: HeldHooks, max: number) {
    this.backlog = new Backlog(max);
  }

  /** The database refuses now, or still has held affairs to take: nothing newer may overtake them. */
  get active(): boolean { return this.backlog.active; }

  /** Count each affair on memory's copy of its row, feed the firewall now, hold it for the database. */
  hold(items: { r: InjectRequest; c?: Classification }[]): void {
    let readable = true;
    for (const { r, c: known } of items) {
      if (this.hooks.join(r)) continue;
      let row = this.backlog.row(r.address);
      // A lock held elsewhere still lets the row be read.
      if (!row && readable) { try { row = this.d.store.peek(r.address); } catch { readable = false; } }
      const c = known ?? this.hooks.classOf(r, row);
      if (!c) { this.hooks.park(r); continue; }
      const t1 = this.clock.mono();
      const res = countFor(this.d, this.clock, { r, c, row });
      announceAffair(this.d, this.custody, this.clock, { r, c, row, t1 }, res, true);
      const kept = this.backlog.keep({ r, c, applied: { measure: res.measure, initial: res.initial, affairs: res.row.affairs } }, res.row);
      if (!kept && r.replay) this.hooks.replayed(1);
    }
    this.show();
    this.arm();
  }

  /** The database refused (`n` affairs): memory counts from now on, until it has taken every held affair. */
  refuse(e: Error, n: number): void {
    const b = this.backlog;
    const problem = (e as { code?: string }).code === 'SQLITE_FULL' ? `${e.message} (SQLITE_FULL)` : e.message;
    if (b.since === undefined) {
      b.since = this.clock.now();
      this.episode = { written: 0, lostBefore: b.lost, lossLogged: false };
      this.d.log.write(`[inject] database ${n ? `refused ${n} affairs` : 'refuses writes'} (${problem}): ${n ? '' : 'affairs are '}kept, writing again; meanwhile tarpit and custody are fed from memory`);
    }
    b.problem = problem;
    this.d.counters.dbRefusingSince = new Date(b.since).toISOString();
    this.d.counters.dbProblem = problem;
    this.arm();
  }

  /** Write held affairs until `deadline` (clock.mono), waiting for the lock up to it; nothing is armed afterwards. */
  async drain(deadline: number): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = undefined; }
    while (this.active && this.clock.mono() < deadline) {
      this.d.store.setBusyTimeout(deadline - this.clock.mono());
      const before = this.backlog.length;
      this.catchUp();
      if (this.active && this.backlog.length === before) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(100, deadline - this.clock.mono()))));
    }
  }

  /** Take nothing more; returns the held affairs as held-file lines, oldest first. */
  close(): HeldLine[] {
    this.closed = this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    return this.backlog.oldest(this.backlog.length).map((h) => heldLine(h.r, h.c, h.applied.affairs));
  }

  private arm(): void {
    if (this.stopping || this.retryTimer || this.catching) return;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs ? this.retryMs * 2 : RETRY_FIRST_MS);
    this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.catchUp(); }, this.retryMs);
  }

  // Write the oldest chunk of held affairs; the next chunk follows once the event loop has run.
  private catchUp(): void {
    if (this.closed) return;
    const chunk = this.backlog.oldest(CATCHUP_CHUNK);
    const done: { h: HeldAffair; row: BanditRow | undefined; res: ReturnType<typeof countFor> }[] = [];
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
    this.backlog.drop(chunk.length);
    this.episode.written += chunk.length;
    for (const { h, row, res } of done) correctAffair(this.d, this.custody, this.clock, { r: h.r, c: h.c, row }, res, h.applied);
    this.show();
    this.hooks.replayed(done.filter(({ h }) => h.r.replay).length);
    if (this.backlog.length > 0) {
      if (this.stopping) return;
      this.catching = true;
      setImmediate(() => { this.catching = false; this.catchUp(); });
      return;
    }
    const b = this.backlog;
    const lost = b.lost - this.episode.lostBefore;
    const secs = Math.round((this.clock.now() - (b.since ?? this.clock.now())) / 1000);
    this.d.log.write(`[inject] database took the ${this.episode.written} kept affairs after refusing writes for ${secs} s${lost ? `; ${lost} affairs beyond MAX_HELD_AFFAIRS=${b.max} were lost for it (the firewall had them)` : ''}`);
    b.settle();
    this.retryMs = 0;
    this.d.counters.dbRefusingSince = null;
    this.d.counters.dbProblem = null;
    this.show();
    this.hooks.settled();
  }

  // The status counters of the backlog, and one log line when affairs start to be lost.
  private show(): void {
    const b = this.backlog, c = this.d.counters;
    c.unwritten = b.length;
    c.unwrittenLost = b.lost;
    if (!this.episode.lossLogged && b.lost > this.episode.lostBefore) {
      this.episode.lossLogged = true;
      this.d.log.write(`[inject] ${b.max} affairs held (MAX_HELD_AFFAIRS): further ones still reach the firewall but are lost for the database; counted as unwrittenLost`);
    }
  }
}

/** An affair as a line of the held file. */
export function heldLine(r: InjectRequest, c?: Classification, affairs?: number): HeldLine {
  return { address: r.address, rule: r.rule, penalty: r.penalty, at: r.at ?? Date.now(), class: c?.class, host: c?.host, affairs };
}
