// One attempt, one affair: the lines a service writes about one session are counted together.
//
// A session is what the service's program[pid] (sshd[4242], the preauth child of one
// connection) says about one peer address; a line without a pid has the address alone as its
// session. A rule says what its line weighs (`Affair=` in the rule file):
// - try (the default): one authentication try; it always counts one affair.
// - session: a line about the session, not a try of its own (sshd's `Invalid user`, PAM's
//   failure beside sshd's `Failed password`, `maximum authentication attempts exceeded`). It
//   counts one affair only when no try of the session is counted: it is held until a try
//   comes (then dropped), the session ends, or SESSION_WAIT passes (then counted).
// - close: the session ends (`Connection closed by ... [preauth]`, a failed key exchange). It
//   counts one affair when nothing of the session was counted, else nothing.
// A session that counted something is remembered for a while after it ends, so the lines
// that trail its end (a close after `Too many authentication failures`) add nothing.
// Invariants: each session costs at most one held affair; the map of sessions is bounded
// (the oldest is settled first); held affairs keep their order among themselves.
import type { Clock } from '../core/clock.js';
import type { Weight } from '../rules/parse.js';
import type { InjectRequest } from './inject-apply.js';

interface State { counted: boolean; held?: InjectRequest; until: number }

/** How many sessions are remembered at most; beyond it the oldest is settled. */
const SESSIONS_MAX = 100_000;
/** How long an ended session that counted is remembered (ms). */
const ENDED_MS = 60_000;

export class Sessions {
  private readonly open = new Map<string, State>();
  /**
   * Every state stored, oldest first (a key's older states are stale): the oldest session is
   * found here, not by iterating the map, whose front fills with the holes of moved entries
   * (each lookup then walked them all: a flood of 100k sessions slowed every line).
   */
  private ages: { key: string; s: State }[] = [];
  private agesHead = 0;
  /** Sessions holding an affair (kept as they change: read once per line). */
  private holding = 0;

  constructor(private readonly submit: (r: InjectRequest) => void, private readonly clock: Clock, private readonly waitMs: number) {}

  /** An affair of a line that weighs `weight`; returns whether it was counted now. */
  add(key: string, weight: Weight, r: InjectRequest): 'counted' | 'held' | 'included' {
    const now = this.clock.mono();
    const s = this.open.get(key);
    if (weight === 'try') {
      this.remember(key, { counted: true, until: now + ENDED_MS });
      this.submit(r);
      return 'counted';
    }
    if (s?.counted) {
      if (weight === 'close') s.until = now + ENDED_MS;
      return 'included';
    }
    if (weight === 'close') {
      this.remember(key, { counted: true, until: now + ENDED_MS });
      this.submit(s?.held ?? r);
      return 'counted';
    }
    if (s?.held) return 'included';
    this.remember(key, { counted: false, held: r, until: now + this.waitMs });
    return 'held';
  }

  /** Count the held affairs whose wait is over and forget ended sessions; call it often. */
  settle(): void {
    const now = this.clock.mono();
    for (const [key, s] of this.open) {
      if (s.until > now) continue;
      // Changed in place: the session keeps its age.
      if (s.held) { this.holding--; this.submit(s.held); s.counted = true; s.held = undefined; s.until = now + ENDED_MS; }
      else this.open.delete(key);
    }
  }

  /** Count every held affair now (the module stops). */
  flushAll(): void {
    for (const s of this.open.values()) if (s.held) this.submit(s.held);
    this.open.clear();
    this.ages = [];
    this.agesHead = 0;
    this.holding = 0;
  }

  /** Ages noted (live and stale): bounded by the sessions (a test reads it). */
  get notedAges(): number {
    return this.ages.length - this.agesHead;
  }

  /** Sessions holding an affair. */
  get held(): number {
    return this.holding;
  }

  // Store a session's state last in the map (its age order); settle the oldest beyond the bound.
  private remember(key: string, s: State): void {
    if (this.open.get(key)?.held) this.holding--;
    if (s.held) this.holding++;
    this.open.delete(key);
    this.store(key, s);
    if (this.open.size <= SESSIONS_MAX) return;
    const [oldest, o] = this.oldest();
    this.open.delete(oldest);
    if (o.held) { this.holding--; this.submit(o.held); }
  }

  // Set a state and note its age.
  private store(key: string, s: State): void {
    this.open.set(key, s);
    this.ages.push({ key, s });
    // Keep only the live states now and then (sessions that ended or moved leave stale ones):
    // the list stays within twice the sessions, plus 1024.
    if (this.ages.length - this.agesHead > 2 * this.open.size + 1024) {
      this.ages = this.ages.slice(this.agesHead).filter(({ key, s: live }) => this.open.get(key) === live);
      this.agesHead = 0;
    }
  }

  // The session stored longest ago that is still in the map as stored.
  private oldest(): [string, State] {
    while (this.agesHead < this.ages.length) {
      const { key, s } = this.ages[this.agesHead++];
      if (this.open.get(key) === s) return [key, s];
    }
    // Unreachable while every stored state is noted; the map's own order is the answer then.
    return this.open.entries().next().value as [string, State];
  }
}
