// IP address text and numbers: strict dotted quads, RFC 5952 IPv6, and the prefix masks of both.
import { isIPv6 } from 'node:net';

/**
 * Parse a strict dotted quad (no leading zeros, no blanks) to a uint32; undefined if invalid.
 * `padded`: leading zeros allowed, read as decimal (`010.001.002.003` is 10.1.2.3). `end`: the
 * quad is s up to there (a network's address before its '/').
 */
export function parseIPv4(s: string, padded = false, end = s.length): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < end; i++) {
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

// The groups of the last IPv6 text readHexGroups() read: one scratch array, no allocation an address.
const G = new Uint16Array(8);

/**
 * Read the common IPv6 form (hex groups, at most one '::', no dotted quad) of s[from, to) into
 * the scratch groups, char by char: -1 not of this form, 1 its text is canonical (RFC 5952:
 * lower case, no leading zeros, the first longest run of two or more zero groups as '::'), 0 not.
 */
export function readHexGroups(s: string, from: number, to: number): number {
  let n = 0, dbl = -1, v = 0, digits = 0, canon = 1;
  let i = from;
  if (to - from >= 2 && s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return -1;
    dbl = 0;
    i += 2;
  }
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      if (digits === 0 || n === 8) return -1;
      G[n++] = v; v = 0; digits = 0;
      if (i + 1 < to && s.charCodeAt(i + 1) === 58) { if (dbl >= 0) return -1; dbl = n; i++; }
      else if (i + 1 === to) return -1;
      continue;
    }
    let d;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) { d = c - 55; canon = 0; }
    else return -1;
    if (digits === 1 && v === 0) canon = 0;
    if (++digits > 4) return -1;
    v = v * 16 + d;
  }
  if (digits > 0) { if (n === 8) return -1; G[n++] = v; } else if (dbl !== n) return -1;
  if (dbl < 0 ? n !== 8 : n > 7) return -1;
  if (dbl >= 0) {
    const after = n - dbl;
    for (let k = after - 1; k >= 0; k--) G[8 - after + k] = G[dbl + k];
    for (let j = dbl; j < 8 - after; j++) G[j] = 0;
  }
  if (!canon) return 0;
  // The run formatIPv6 compresses: the first longest of two or more zero groups.
  const [best, bestLen] = longestZeroRun(G);
  return best === dbl && (dbl < 0 || bestLen === 8 - n) ? 1 : 0;
}

/** The 128-bit value of the groups readHexGroups() read last. */
export function readGroupsValue(): bigint {
  return (BigInt(G[0] * 65536 + G[1]) << 96n) | (BigInt(G[2] * 65536 + G[3]) << 64n) | (BigInt(G[4] * 65536 + G[5]) << 32n) | BigInt(G[6] * 65536 + G[7]);
}

/** The groups read last are an IPv4-mapped address (::ffff:a.b.c.d, which parseAddress makes IPv4). */
export function isMappedGroups(): boolean {
  return G[0] === 0 && G[1] === 0 && G[2] === 0 && G[3] === 0 && G[4] === 0 && G[5] === 0xffff;
}

/** Parse IPv6 text (an embedded dotted quad allowed, no zone) to a 128-bit bigint. */
export function parseIPv6(s: string): bigint | undefined {
  if (s.length > 45) return undefined;
  if (s.indexOf('.') < 0 && s.indexOf('%') < 0) return readHexGroups(s, 0, s.length) < 0 ? undefined : readGroupsValue();
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
  const [best, bestLen] = longestZeroRun(groups);
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

/** Where the first longest run of two or more zero groups of an IPv6 address starts and its length ([-1, 1]: none). */
function longestZeroRun(groups: ArrayLike<number>): [number, number] {
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  return [best, bestLen];
}
