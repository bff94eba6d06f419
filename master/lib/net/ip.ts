// IP address text and numbers: strict dotted quads, RFC 5952 IPv6, and the prefix masks of both.
import { isIPv6 } from 'node:net';

/**
 * Parse a strict dotted quad (no leading zeros, no blanks) to a uint32; undefined if invalid.
 * `padded`: leading zeros allowed, read as decimal (`010.001.002.003` is 10.1.2.3).
 */
export function parseIPv4(s: string, padded = false): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0 && !padded) return undefined; // leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

/** The dotted quad of a uint32. */
export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const HEX4 = /^[0-9a-fA-F]{1,4}$/;

// The common form (hex groups, at most one '::', no dotted quad) without the general parser:
// a zone list of 40,000 IPv6 networks is read in a blink. undefined: not of this form.
function parseHexGroups(s: string): bigint | undefined {
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const left = dbl < 0 ? s.split(':') : dbl === 0 ? [] : s.slice(0, dbl).split(':');
  const right = dbl < 0 || dbl + 2 === s.length ? [] : s.slice(dbl + 2).split(':');
  if (dbl < 0 ? left.length !== 8 : left.length + right.length > 7) return undefined;
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < left.length; i++) { if (!HEX4.test(left[i])) return undefined; g[i] = parseInt(left[i], 16); }
  for (let i = 0; i < right.length; i++) { if (!HEX4.test(right[i])) return undefined; g[8 - right.length + i] = parseInt(right[i], 16); }
  return (BigInt(g[0] * 65536 + g[1]) << 96n) | (BigInt(g[2] * 65536 + g[3]) << 64n) | (BigInt(g[4] * 65536 + g[5]) << 32n) | BigInt(g[6] * 65536 + g[7]);
}

/** Parse IPv6 text (an embedded dotted quad allowed, no zone) to a 128-bit bigint. */
export function parseIPv6(s: string): bigint | undefined {
  if (s.length > 45) return undefined;
  if (s.indexOf('.') < 0 && s.indexOf('%') < 0) return parseHexGroups(s);
  if (!isIPv6(s) || s.includes('%')) return undefined;
  let head = s;
  let tailV4: number | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const [l, r] = head.split('::');
  const left = l ? l.split(':') : [];
  const right = r !== undefined && r !== '' ? r.split(':') : [];
  const fill = head.includes('::') ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array(fill).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | BigInt(tailV4);
  return v;
}

/** The canonical (RFC 5952) text of a 128-bit address. */
export function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (const shift of [96n, 64n, 32n, 0n]) {
    const w = Number(BigInt.asUintN(32, v >> shift));
    groups.push(w >>> 16, w & 0xffff);
  }
  // Longest run of zero groups (length >= 2) becomes '::'.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The network mask of an IPv4 prefix length (0..32) as a uint32. */
export function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

const ALL6 = (1n << 128n) - 1n;
const MASKS6 = Array.from({ length: 129 }, (_, p) => (p === 0 ? 0n : ALL6 ^ ((1n << BigInt(128 - p)) - 1n)));

/** The network mask of an IPv6 prefix length (0..128). */
export function maskV6(prefix: number): bigint {
  return MASKS6[prefix];
}
