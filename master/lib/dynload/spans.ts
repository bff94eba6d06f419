// Networks as sorted, merged [first, last] address intervals: whether an entry overlaps any of
// them is one binary search, whatever the size of the whitelist (200k zone entries a run).
// IPv4 intervals are numbers in typed arrays, IPv6 ones bigints: each search sees one type only.
import type { Net } from '../net/address.js';

// Host bits of an IPv6 prefix length, by prefix: a network's last address is base | HOST6[prefix].
const HOST6 = Array.from({ length: 129 }, (_, p) => (1n << BigInt(128 - p)) - 1n);
// Addresses of an IPv4 prefix length, by prefix: a network's last address is base + SIZE4[prefix] - 1.
const SIZE4 = Array.from({ length: 33 }, (_, p) => 2 ** (32 - p));

/** The networks of one list, both families, ready for overlap questions. */
export interface Spans {
  /** Some address of the network is in one of the networks (either covers the other, or they meet). */
  overlaps(net: Net): boolean;
}

/** Build the intervals of these networks (any family; duplicates and nested ones merge). */
export function makeSpans(nets: readonly Net[]): Spans {
  const v4 = merge4(nets.filter((n) => n.family === 4).map((n) => [n.base as number, (n.base as number) + SIZE4[n.prefix] - 1] as [number, number]));
  const v6 = merge6(nets.filter((n) => n.family === 6).map((n) => [n.base as bigint, (n.base as bigint) | HOST6[n.prefix]] as [bigint, bigint]));
  return {
    overlaps: (net) => net.family === 4
      ? meets4(v4, net.base as number, (net.base as number) + SIZE4[net.prefix] - 1)
      : meets6(v6, net.base as bigint, (net.base as bigint) | HOST6[net.prefix]),
  };
}

// Sort by first address and join intervals that overlap: [lo[i], hi[i]] ascending and disjoint.
function merge<T extends number | bigint>(pairs: [T, T][]): { lo: T[]; hi: T[] } {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const lo: T[] = [], hi: T[] = [];
  for (const [a, b] of pairs) {
    const n = hi.length;
    if (n && a <= hi[n - 1]) { if (b > hi[n - 1]) hi[n - 1] = b; } else { lo.push(a); hi.push(b); }
  }
  return { lo, hi };
}

type Span4 = { lo: Float64Array; hi: Float64Array };
const merge4 = (pairs: [number, number][]): Span4 => { const m = merge(pairs); return { lo: Float64Array.from(m.lo), hi: Float64Array.from(m.hi) }; };
const merge6 = (pairs: [bigint, bigint][]): { lo: bigint[]; hi: bigint[] } => merge(pairs);

// The first interval that ends at or after `a` starts at or before `b` (IPv4).
function meets4(s: Span4, a: number, b: number): boolean {
  const hi = s.hi;
  let l = 0, r = hi.length;
  while (l < r) { const m = (l + r) >> 1; if (hi[m] < a) l = m + 1; else r = m; }
  return l < hi.length && s.lo[l] <= b;
}

// The same for IPv6.
function meets6(s: { lo: bigint[]; hi: bigint[] }, a: bigint, b: bigint): boolean {
  const hi = s.hi;
  let l = 0, r = hi.length;
  while (l < r) { const m = (l + r) >> 1; if (hi[m] < a) l = m + 1; else r = m; }
  return l < hi.length && s.lo[l] <= b;
}
