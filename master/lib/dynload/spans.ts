// Networks as sorted, merged [first, last] address intervals: whether an entry overlaps any of
// them is one binary search, whatever the size of the whitelist (200k zone entries a run).
import type { Net } from '../net/address.js';

// Host bits of an IPv6 prefix length, by prefix: a network's last address is base | HOST6[prefix].
const HOST6 = Array.from({ length: 129 }, (_, p) => (1n << BigInt(128 - p)) - 1n);

/** The networks of one list, both families, ready for overlap questions. */
export interface Spans {
  /** Some address of the network is in one of the networks (either covers the other, or they meet). */
  overlaps(net: Net): boolean;
}

/** Build the intervals of these networks (any family; duplicates and nested ones merge). */
export function makeSpans(nets: readonly Net[]): Spans {
  const v4 = merge(nets.filter((n) => n.family === 4).map((n) => [n.base as number, (n.base as number) + 2 ** (32 - n.prefix) - 1] as [number, number]));
  const v6 = merge(nets.filter((n) => n.family === 6).map((n) => [n.base as bigint, (n.base as bigint) | HOST6[n.prefix]] as [bigint, bigint]));
  return {
    overlaps: (net) => net.family === 4
      ? meets(v4, net.base as number, (net.base as number) + 2 ** (32 - net.prefix) - 1)
      : meets(v6, net.base as bigint, (net.base as bigint) | HOST6[net.prefix]),
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

// The first interval that ends at or after `a` starts at or before `b`.
function meets<T extends number | bigint>(s: { lo: T[]; hi: T[] }, a: T, b: T): boolean {
  let l = 0, r = s.hi.length;
  while (l < r) { const m = (l + r) >> 1; if (s.hi[m] < a) l = m + 1; else r = m; }
  return l < s.hi.length && s.lo[l] <= b;
}
