// Every entry of a download checked before it reaches a Loadfile: an address or CIDR of the
// expected family, and nothing that overlaps what must never be dropped.
import { parseNet, type Family, type Net } from '../net/address.js';
import { parseNetFast } from '../pool/loadfile.js';
import { maskV4, maskV6 } from '../net/ip.js';
import { netRefusal, MAX_COMMENT } from '../firewall/entries.js';
import type { RawEntry } from './formats.js';

/** Special-purpose ranges (RFC 6890 and successors): no public list has a reason to drop them. */
export const RESERVED = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/8', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8',
].map((s) => parseNet(s) as Net);

/** An entry ready for a Loadfile: canonical text and a comment ipset takes. */
export interface CheckedEntry { net: string; comment?: string }

/** What screening kept and left out, by reason. */
export interface Screened {
  entries: CheckedEntry[];
  invalid: number;
  wrongFamily: number;
  neverBlocked: number;
  reserved: number;
  duplicates: number;
  /** A few of the left-out entries with their reason, for the log. */
  sample: string[];
}

// Two networks of one family overlap when the shorter prefix holds the other's base.
function overlaps(a: Net, b: Net): boolean {
  const q = Math.min(a.prefix, b.prefix);
  if (a.family === 4) { const m = maskV4(q); return (((a.base as number) & m) >>> 0) === (((b.base as number) & m) >>> 0); }
  const m = maskV6(q);
  return ((a.base as bigint) & m) === ((b.base as bigint) & m);
}

// IPv4 networks as [first, last] pairs: an overlap is two comparisons (200k entries a zone set).
function spans(nets: readonly Net[]): Float64Array {
  const v4 = nets.filter((n) => n.family === 4);
  const out = new Float64Array(v4.length * 2);
  v4.forEach((n, i) => { out[2 * i] = n.base as number; out[2 * i + 1] = (n.base as number) + 2 ** (32 - n.prefix) - 1; });
  return out;
}

function hits(s: Float64Array, net: Net): boolean {
  const lo = net.base as number, hi = lo + 2 ** (32 - net.prefix) - 1;
  for (let i = 0; i < s.length; i += 2) if (lo <= s[i + 1] && s[i] <= hi) return true;
  return false;
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

/**
 * Check each entry: it must be an address or CIDR (not a /0) of `family` (any when undefined);
 * an entry that overlaps `never` (whitelist, own addresses, loopback) or, unless keepReserved,
 * a reserved range is left out whichever of the two covers the other. Duplicates are dropped.
 */
export function screenEntries(raw: readonly RawEntry[], o: { family?: Family; never: readonly Net[]; keepReserved: boolean; comment?: string }): Screened {
  const out: Screened = { entries: [], invalid: 0, wrongFamily: 0, neverBlocked: 0, reserved: 0, duplicates: 0, sample: [] };
  // Duplicates: IPv4 by number (base and prefix), IPv6 by canonical text.
  const seen4 = new Set<number>();
  const seen6 = new Set<string>();
  const never = { 4: spans(o.never), 6: o.never.filter((n) => n.family === 6) };
  const reserved = o.keepReserved ? { 4: spans([]), 6: [] } : { 4: spans(RESERVED), 6: RESERVED.filter((n) => n.family === 6) };
  const note = (e: RawEntry, why: string): void => { if (out.sample.length < 5) out.sample.push(`line ${e.line}: ${JSON.stringify(e.value.slice(0, 80))} ${why}`); };
  for (const e of raw) {
    const net = parseNetFast(e.value);
    if (!net || netRefusal(net)) { out.invalid++; note(e, net ? 'is a /0 network' : 'is not an address or CIDR'); continue; }
    if (o.family && net.family !== o.family) { out.wrongFamily++; note(e, `is not IPv${o.family}`); continue; }
    if (net.family === 4 ? hits(never[4], net) : never[6].some((n) => overlaps(n, net))) { out.neverBlocked++; note(e, 'overlaps the whitelist, an own address or loopback'); continue; }
    if (net.family === 4 ? hits(reserved[4], net) : reserved[6].some((n) => overlaps(n, net))) { out.reserved++; note(e, 'overlaps a reserved range'); continue; }
    if (net.family === 4) {
      const k = (net.base as number) * 64 + net.prefix;
      if (seen4.has(k)) { out.duplicates++; continue; }
      seen4.add(k);
    } else {
      if (seen6.has(net.text)) { out.duplicates++; continue; }
      seen6.add(net.text);
    }
    out.entries.push({ net: net.text, comment: cleanComment(e.comment ?? o.comment) });
  }
  return out;
}
