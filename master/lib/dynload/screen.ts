// Every entry of a download checked before it reaches a Loadfile: an address or CIDR of the
// expected family, and nothing that overlaps what must never be dropped.
import { parseNet, type Family, type Net } from '../net/address.js';
import { parseNetFast } from '../pool/loadfile.js';
import { makeSpans, type Spans } from './spans.js';
import { netRefusal, MAX_COMMENT } from '../firewall/entries.js';
import type { RawEntry } from './formats.js';

/** Special-purpose ranges (RFC 6890 and successors): no public list has a reason to drop them. */
export const RESERVED = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/8', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8',
].map((s) => parseNet(s) as Net);

/** What screening kept and left out, by reason. */
export interface Screened {
  /** The entries kept, ready for a Loadfile: canonical addresses or networks. */
  nets: string[];
  /** Their comments (ones ipset takes), when any has one. */
  comments?: (string | undefined)[];
  /** The family of every entry kept, when all are of one. */
  family?: Family;
  invalid: number;
  wrongFamily: number;
  neverBlocked: number;
  reserved: number;
  /** Networks wider than the widest taken (WIDEST_V4, WIDEST_V6). */
  tooWide: number;
  duplicates: number;
  /** A few of the left-out entries with their reason, for the log. */
  sample: string[];
}

// The intervals of a list, built once for all the parts of a run (a whitelist may be long).
const built = new WeakMap<readonly Net[], Spans>();
function spansOf(nets: readonly Net[]): Spans {
  let s = built.get(nets);
  if (!s) built.set(nets, (s = makeSpans(nets)));
  return s;
}

// A comment ipset takes: printable, without \ or ", at most MAX_COMMENT bytes.
function cleanComment(c: string | undefined): string | undefined {
  if (c === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const s = c.replace(/[\x00-\x1f\x7f\\"]/g, ' ').replace(/\s+/g, ' ').trim();
  if (s === '') return undefined;
  let out = s.slice(0, MAX_COMMENT);
  while (Buffer.byteLength(out) > MAX_COMMENT) out = out.slice(0, -1);
  return out;
}

/** The widest network taken of each family, as a prefix length (WIDEST_V4, WIDEST_V6). */
export interface Widest { 4: number; 6: number }

/**
 * Check each entry: it must be an address or CIDR (not a /0) of `family` (any when undefined),
 * no wider than `widest`; an entry that overlaps `never` (whitelist, own addresses, loopback)
 * or, unless keepReserved, a reserved range is left out whichever of the two covers the other.
 * Duplicates are dropped.
 */
export function screenEntries(raw: readonly RawEntry[], o: { family?: Family; never: readonly Net[]; keepReserved: boolean; widest?: Widest; comment?: string }): Screened {
  const out: Screened = { nets: [], comments: undefined, family: o.family, invalid: 0, wrongFamily: 0, neverBlocked: 0, reserved: 0, tooWide: 0, duplicates: 0, sample: [] };
  const widest = o.widest ?? { 4: 1, 6: 1 };
  // Duplicates: none while each family's addresses ascend (most lists are sorted); from the
  // first that does not on, by canonical text (parseNetFast gives it for either family).
  let seen: Set<string> | undefined;
  let last4 = -1, last6 = -1n;
  const never = spansOf(o.never);
  const reserved = spansOf(o.keepReserved ? [] : RESERVED);
  let v4 = 0;
  const note = (e: RawEntry, why: string): void => { if (out.sample.length < 5) out.sample.push(`line ${e.line}: ${JSON.stringify(e.value.slice(0, 80))} ${why}`); };
  for (const e of raw) {
    const net = parseNetFast(e.value);
    if (!net || netRefusal(net)) { out.invalid++; note(e, net ? 'is a /0 network' : 'is not an address or CIDR'); continue; }
    if (o.family && net.family !== o.family) { out.wrongFamily++; note(e, `is not IPv${o.family}`); continue; }
    if (net.prefix < widest[net.family]) { out.tooWide++; note(e, `is wider than /${widest[net.family]} (WIDEST_V${net.family})`); continue; }
    if (never.overlaps(net)) { out.neverBlocked++; note(e, 'overlaps the whitelist, an own address or loopback'); continue; }
    if (reserved.overlaps(net)) { out.reserved++; note(e, 'overlaps a reserved range'); continue; }
    if (!seen) {
      if (net.family === 4 ? (net.base as number) > last4 : (net.base as bigint) > last6) {
        if (net.family === 4) last4 = net.base as number; else last6 = net.base as bigint;
      } else seen = new Set(out.nets);
    }
    if (seen) {
      if (seen.has(net.text)) { out.duplicates++; continue; }
      seen.add(net.text);
    }
    const comment = cleanComment(e.comment ?? o.comment);
    if (comment !== undefined && !out.comments) out.comments = out.nets.map(() => undefined);
    out.comments?.push(comment);
    out.nets.push(net.text);
    if (net.family === 4) v4++;
  }
  if (!o.family && out.nets.length) out.family = v4 === out.nets.length ? 4 : v4 === 0 ? 6 : undefined;
  return out;
}
