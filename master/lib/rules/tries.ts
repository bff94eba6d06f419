// How many tries one line reports (`Tries=` in a rule file): a service that logs one line for
// a whole connection says how many passwords it refused (Dovecot's `auth failed, 3 attempts`).
// The pattern is anchored like a rule's (header.ts), so a number a client planted in the
// message (a user name `(auth failed, 30 attempts`) is never read.
import { execAnchored } from './anchor.js';
import type { Rule } from './parse.js';

/** Most tries one line counts: the highest MAX_AFFAIRS, beyond which more change nothing. */
export const MAX_TRIES = 30;

/**
 * The tries a line of `rule` reports: the number that ends its Tries= match (1 without Tries= or
 * a match), times the logger's `repeats` of the line; 1 to MAX_TRIES. Other affairs count once.
 */
export function countTries(rule: Rule, line: string, at: number, repeats = 1): number {
  if (rule.affair !== 'try') return 1;
  let n = 1;
  if (rule.tries !== undefined) {
    const m = execAnchored(rule.tries, line, at);
    n = m ? Math.max(Number(/[0-9]+$/.exec(m[0])?.[0] ?? '1'), 1) : 1;
  }
  return Math.min(n * Math.max(repeats, 1), MAX_TRIES);
}
