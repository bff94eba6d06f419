// The held file (modules/<module>/<module>.held): the affairs a stopping module could not write,
// one JSON object a line, replayed into the database by the next start.
//
// Invariants: written whole (temp file and rename), 0600 (attacker addresses); a line that is not
// an affair is reported by number and skipped, never guessed at; the file is removed only once
// the database has taken every affair of it.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { replaceFileMode, PRIVATE_MODE } from '../core/files.js';
import { normalizeAddress } from '../net/address.js';
import type { Classification, HostClass } from '../net/dns.js';
import type { InjectRequest, Sink } from './inject-apply.js';
import { formatDateTime } from '../core/clock.js';

/** One line of the held file. */
export interface HeldLine {
  address: string;
  rule: string;
  penalty?: number;
  /** When the line was read (epoch ms): the row's last_seen. */
  at: number;
  /** The DNS class, when it was known; without it the next start asks DNS. */
  class?: HostClass;
  host?: string;
  /** The affairs memory had counted for the address (for the reader of the file). */
  affairs?: number;
}

const CLASSES = new Set<string>(['TRUEHOST', 'FAKEHOST', 'NXDOMAIN', 'UNRESOLVED']);

/** Write the held file (replacing one there); returns the number of affairs. */
export function writeHeldFile(path: string, lines: readonly HeldLine[]): number {
  replaceFileMode(path, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''), PRIVATE_MODE);
  return lines.length;
}

/** The affairs of a held file, and a problem text per bad line (file:line). */
export function readHeldFile(path: string): { affairs: { r: InjectRequest; c?: Classification }[]; problems: string[] } {
  const affairs: { r: InjectRequest; c?: Classification }[] = [];
  const problems: string[] = [];
  if (!existsSync(path)) return { affairs, problems };
  readFileSync(path, 'utf8').split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const l = parseLine(text);
    if (!l) { problems.push(`${path}:${i + 1}: not an affair, skipped`); return; }
    const r: InjectRequest = { address: l.address, rule: l.rule, penalty: l.penalty, at: l.at, t0: 0 };
    affairs.push({ r, c: l.class ? { class: l.class, host: l.host } : undefined });
  });
  return { affairs, problems };
}

/** Remove the held file (its affairs are in the database). */
export function removeHeldFile(path: string): void { rmSync(path, { force: true }); }

function parseLine(text: string): HeldLine | undefined {
  let o: Record<string, unknown>;
  try { o = JSON.parse(text) as Record<string, unknown>; } catch { return undefined; }
  if (typeof o !== 'object' || o === null) return undefined;
  const address = typeof o.address === 'string' ? normalizeAddress(o.address) : undefined;
  if (!address || typeof o.rule !== 'string' || o.rule.length === 0 || o.rule.length > 200) return undefined;
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) return undefined;
  if (o.penalty !== undefined && !(Number.isInteger(o.penalty) && (o.penalty as number) >= 1 && (o.penalty as number) <= 99)) return undefined;
  if (o.class !== undefined && !(typeof o.class === 'string' && CLASSES.has(o.class))) return undefined;
  if (o.host !== undefined && typeof o.host !== 'string') return undefined;
  return { address, rule: o.rule, penalty: o.penalty as number | undefined, at: o.at, class: o.class as HostClass | undefined, host: o.host as string | undefined };
}

/** At stop: the unwritten affairs go to the held file; where it cannot be written, to the log, one line each. */
export function keepUnwritten(path: string, lines: readonly HeldLine[], why: string, log: Sink): void {
  try {
    writeHeldFile(path, lines);
    log.write(`${lines.length} affairs not written (${why}): kept in ${path}, the next start writes them`);
  } catch (e) {
    log.write(`${lines.length} affairs not written (${why}) and ${path} cannot be written (${(e as Error).message}): one line each follows`);
    for (const l of lines) log.write(`unwritten affair: ${l.address} rule '${l.rule}'${l.affairs ? ` affairs ${l.affairs}` : ''}${l.penalty ? ` penalty ${l.penalty}` : ''} at ${formatDateTime(l.at)}${l.class ? ` ${l.class}` : ''}`);
  }
}
