// One part of a dynloader: reused within MIN_INTERVAL, else downloaded (conditionally), checked
// and kept; when the download fails or is bad, the last good copy stands in for it.
import type { Family, Net } from '../net/address.js';
import type { DynloadConf } from './conf.js';
import type { Part } from './def.js';
import { fetchList, FetchError } from './fetch.js';
import { BadList, parseBody } from './formats.js';
import { screenEntries, type Screened, type Widest } from './screen.js';
import type { KeyTable } from '../core/settings.js';
import type { DynloadState, Store } from './store.js';

/** How a part's entries were had, or why they were not; `body` is read only when its Loadfile must be written. */
export interface Outcome {
  part: Part;
  how: 'fresh' | 'unchanged' | 'reused' | 'last good';
  /** Entries checked. */
  got?: Screened;
  /** A body not read yet: kept from an earlier run, or a fresh download (with `fresh`) to be judged. */
  body?: Buffer;
  /** A download not judged yet (judge()): its validators and content type. */
  fresh?: { etag?: string; lastModified?: string; contentType?: string };
  problem?: { kind: 'unavailable' | 'bad-data'; message: string };
  /** The problem was said. */
  told?: boolean;
}

export interface ObtainContext {
  conf: DynloadConf<KeyTable> & { MIN_INTERVAL: number };
  store: Store;
  state: DynloadState;
  never: readonly Net[];
  ca?: string;
  env: NodeJS.ProcessEnv;
  force: boolean;
  /** Hosts that could not be reached in this run, and why: their other parts are not tried. */
  unreachable: Map<string, string>;
}

// A failure of the host, not of the file: a boot's `watcher start` must not wait CONNECT_TIMEOUT for each of 500 zones.
const HOST_DOWN = /no connection within|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ETIMEDOUT|proxy .*: /;
const hostOf = (url: string): string => { try { return new URL(url).host; } catch { return url; } };

/** Cron's start times drift by a second or so: a download this much before MIN_INTERVAL is still due. */
const SLACK_MS = 60_000;

/** The widest networks a dynloader takes (its WIDEST_V4 and WIDEST_V6). */
export const widestOf = (conf: ObtainContext['conf']): Widest => ({ 4: conf.WIDEST_V4, 6: conf.WIDEST_V6 });

/** Read and check a body of the part: parse its format, then every entry (screen.ts). */
export function readPart(part: Part, body: Buffer, c: Pick<ObtainContext, 'conf' | 'never'>): Screened {
  const parsed = typeof part.format === 'function' ? part.format(body) : parseBody(part.format, body, { ...part.formatOptions, maxBytes: c.conf.MAX_SIZE_MB << 20 });
  if (parsed.entries.length > 0 && parsed.bad > parsed.entries.length) throw new BadList(`garbled: ${parsed.bad} lines are no entry, ${parsed.entries.length} are (${parsed.badSample.join('; ')})`);
  const s = screenEntries(parsed.entries, { family: part.family as Family | undefined, never: c.never, keepReserved: c.conf.KEEP_RESERVED === 'yes', widest: widestOf(c.conf), comment: part.comment });
  s.invalid += parsed.bad;
  s.sample.unshift(...parsed.badSample.map((b) => `${b} is no entry`));
  return s;
}

/** Get one part's list (a fresh one is judged later); never throws for a provider's fault (that is the outcome's problem). */
export async function obtain(part: Part, c: ObtainContext): Promise<Outcome> {
  const was = c.state.parts[part.id];
  const kept = c.store.lastGood(part.id, was, part.url);
  if (kept && was && !c.force && Date.now() - was.fetched < c.conf.MIN_INTERVAL * 1000 - SLACK_MS) {
    return { part, how: 'reused', body: kept };
  }
  const fallback = (kind: 'unavailable' | 'bad-data', message: string): Outcome => ({ part, how: 'last good', body: kept, problem: { kind, message } });
  const down = c.unreachable.get(hostOf(part.url));
  if (down) return fallback('unavailable', `${part.url}: not tried: ${down}`);
  let got;
  try {
    const tty = process.stderr.isTTY;
    let shown = 0;
    got = await fetchList(part.url, {
      connectMs: c.conf.CONNECT_TIMEOUT * 1000, totalMs: c.conf.TIMEOUT * 1000, maxBytes: c.conf.MAX_SIZE_MB << 20, maxRedirects: c.conf.MAX_REDIRECTS,
      ca: c.ca, etag: kept ? was?.etag : undefined, lastModified: kept ? was?.lastModified : undefined, env: c.env,
      progress: tty ? (n, total) => { if (n - shown >= 1 << 20 || n === total) { shown = n; process.stderr.write(`\r\x1b[K${part.url}: ${mib(n)}${total ? ` of ${mib(total)}` : ''} MiB`); } } : undefined,
    }).finally(() => { if (tty && shown) process.stderr.write('\r\x1b[K'); });
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    if (HOST_DOWN.test(e.message)) c.unreachable.set(hostOf(part.url), `${hostOf(part.url)} could not be reached earlier in this run`);
    return fallback(e.kind, e.message);
  }
  if (got.status === 'unchanged') {
    c.state.parts[part.id] = { ...was!, fetched: Date.now() };
    return { part, how: 'unchanged', body: kept };
  }
  return { part, how: 'fresh', body: got.body, fresh: { etag: got.etag, lastModified: got.lastModified, contentType: got.contentType } };
}

/**
 * Read and check a fresh download (when its Loadfile is made, beside the reload and the other
 * downloads): a good one is kept and its state updated; a bad one (HTML, empty, too few entries,
 * suspiciously short) turns the outcome into the last good copy with its problem.
 */
export function judge(r: Outcome, c: ObtainContext): void {
  const { part, body, fresh } = r;
  if (!fresh || !body) return;
  r.fresh = undefined;
  const was = c.state.parts[part.id];
  const kept = c.store.lastGood(part.id, was, part.url);
  let s: Screened;
  try {
    if (/^text\/html\b/i.test(fresh.contentType ?? '')) throw new BadList(`an HTML page (Content-Type ${fresh.contentType}), not a list`);
    s = readPart(part, body, c);
    const n = s.nets.length;
    if (n === 0) throw new BadList(`no entries${s.invalid ? ` (${s.invalid} bad lines: ${s.sample.slice(0, 2).join('; ')})` : ' (an empty list)'}`);
    if (n < c.conf.MIN_ENTRIES) throw new BadList(`${n} entries, fewer than MIN_ENTRIES=${c.conf.MIN_ENTRIES}`);
    if (was && kept && !c.force && n * 100 < was.entries * c.conf.MIN_SHARE) {
      throw new BadList(`suspiciously short: ${n} entries, the last good list had ${was.entries} (MIN_SHARE=${c.conf.MIN_SHARE}%; Load --force takes it)`);
    }
  } catch (e) {
    if (!(e instanceof BadList)) throw e;
    Object.assign(r, { how: 'last good', body: kept, problem: { kind: 'bad-data', message: e.message } });
    return;
  }
  c.store.keep(part.id, body);
  c.state.parts[part.id] = { url: part.url, etag: fresh.etag, lastModified: fresh.lastModified, fetched: Date.now(), entries: s.nets.length };
  r.got = s;
  r.body = undefined;
}

const mib = (n: number): string => (n / 1048576).toFixed(1);
