// When a scanner commits the affairs it queued: at once for lines that come alone, grouped
// while a burst lasts.
//
// A commit costs about the database pages it dirties, and the affairs of a burst share pages
// (the same attackers, the same leaves of the table): one commit of 3,000 affairs costs little
// more than one of 500. So:
// - After a commit of fewer than BURST affairs the next one may follow at once: a line that
//   comes alone, or a trickle, is never delayed.
// - After a commit of BURST affairs or more that took T ms, the next one waits until
//   GAP_FACTOR × T ms have passed since it ended, at most MAX_WAIT_MS: while a burst lasts,
//   commits take about a fifth of the time and each affair waits at most MAX_WAIT_MS more.
import type { Clock } from '../core/clock.js';

/** Affairs in one commit that say a burst is on. */
const BURST = 200;
/** Scanning time allowed per millisecond of commit while a burst lasts. */
const GAP_FACTOR = 4;
/** The longest an affair of a burst waits for its commit beyond the scan of its chunk (ms). */
export const MAX_WAIT_MS = 20;

export class CommitPace {
  private dueAt = 0;

  constructor(private readonly clock: Clock) {}

  /** Milliseconds until the next commit is due (0: now). */
  wait(): number {
    return this.dueAt === 0 ? 0 : Math.max(0, this.dueAt - this.clock.mono());
  }

  /** A commit of `affairs` began at `t0` (clock.mono) and has just ended. */
  done(affairs: number, t0: number): void {
    const now = this.clock.mono();
    this.dueAt = affairs >= BURST ? now + Math.min(MAX_WAIT_MS, GAP_FACTOR * (now - t0)) : 0;
  }
}
