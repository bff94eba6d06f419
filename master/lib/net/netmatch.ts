// The one "is it inside" structure: whitelist guard, FillFW's never-block check, any set of networks.
import { maskV4, maskV6 } from './ip.js';
import { parseAddress, type Net } from './address.js';

/**
 * A set of networks grouped by prefix length. A lookup costs one hash probe per distinct
 * prefix length in use (at most 33 for IPv4, 129 for IPv6): a network of prefix q covers an
 * address or network of prefix p >= q when it holds the latter's base masked to q bits.
 */
export class NetMatcher {
  private readonly v4 = new Map<number, Set<number>>();
  private readonly v6 = new Map<number, Set<bigint>>();

  constructor(nets: Iterable<Net> = []) {
    for (const n of nets) this.add(n);
  }

  /** Add a network (or a single address). */
  add(net: Net): void {
    const map = (net.family === 4 ? this.v4 : this.v6) as Map<number, Set<number | bigint>>;
    let s = map.get(net.prefix);
    if (!s) map.set(net.prefix, (s = new Set()));
    s.add(net.base);
  }

  /** The address or network lies wholly inside one of the networks. */
  covers(e: Net): boolean {
    if (e.family === 4) {
      const b = e.base as number;
      for (const [q, set] of this.v4) if (q <= e.prefix && set.has((b & maskV4(q)) >>> 0)) return true;
      return false;
    }
    const b = e.base as bigint;
    for (const [q, set] of this.v6) if (q <= e.prefix && set.has(b & maskV6(q))) return true;
    return false;
  }

  /** Some address of the network is in one of the networks: it covers it, or one lies inside it. */
  overlaps(e: Net): boolean {
    if (this.covers(e)) return true;
    if (e.family === 4) {
      for (const [q, set] of this.v4) if (q > e.prefix) for (const b of set) if (((b & maskV4(e.prefix)) >>> 0) === e.base) return true;
      return false;
    }
    for (const [q, set] of this.v6) if (q > e.prefix) for (const b of set) if ((b & maskV6(e.prefix)) === e.base) return true;
    return false;
  }

  /** The address (already parsed) lies inside one of the networks: covers() of a single address. */
  containsNet(a: Net): boolean {
    return this.covers(a);
  }

  /** The address text lies inside one of the networks. */
  contains(address: string): boolean {
    const a = parseAddress(address);
    return a !== undefined && this.covers(a);
  }

  /** What it holds, as one text: two matchers of the same networks have the same key. */
  get key(): string {
    const parts: string[] = [];
    for (const [q, s] of this.v4) for (const b of s) parts.push(`${b}/${q}`);
    for (const [q, s] of this.v6) for (const b of s) parts.push(`${b.toString(16)}:/${q}`);
    return parts.sort().join(' ');
  }

  /** Number of networks held. */
  get size(): number {
    let n = 0;
    for (const s of this.v4.values()) n += s.size;
    for (const s of this.v6.values()) n += s.size;
    return n;
  }
}
