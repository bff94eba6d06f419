// Addresses and networks: strict parsing, normalisation, and a fast "is it inside" matcher.
import { networkInterfaces } from 'node:os';
import { isIPv6 } from 'node:net';

export type Family = 4 | 6;

/** A network in canonical form: `text` is what ipset/nft are given (host bits cleared). */
export interface Net {
  family: Family;
  /** Network address: a uint32 for IPv4, a bigint for IPv6. */
  base: number | bigint;
  prefix: number;
  text: string;
}

/** Parse a strict dotted quad (no leading zeros, no blanks) to a uint32; undefined if invalid. */
export function parseIPv4(s: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined; // leading zero
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

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseIPv6(s: string): bigint | undefined {
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

function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups (length >= 2) becomes '::' (RFC 5952).
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

/** Parse one address (IPv4 or IPv6); IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
export function parseAddress(s: string): Net | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { family: 4, base: v4, prefix: 32, text: formatIPv4(v4) };
  const v6 = parseIPv6(s);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) {
    const n = Number(v6 & 0xffffffffn);
    return { family: 4, base: n, prefix: 32, text: formatIPv4(n) };
  }
  return { family: 6, base: v6, prefix: 128, text: formatIPv6(v6) };
}

/** Canonical text of an address, or undefined if it is not one. */
export function normalizeAddress(s: string): string | undefined {
  return parseAddress(s)?.text;
}

/** Parse an address or CIDR (`10.0.0.0/8`, `2001:db8::/32`); host bits are cleared. */
export function parseNet(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return parseAddress(s);
  const addr = parseAddress(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(p)) return undefined;
  const prefix = Number(p);
  const mapped = addr.family === 4 && s.slice(0, slash).includes(':');
  const max = addr.family === 4 ? 32 : 128;
  const eff = mapped ? prefix - 96 : prefix;
  if (eff < 0 || eff > max) return undefined;
  if (addr.family === 4) {
    const mask = eff === 0 ? 0 : (0xffffffff << (32 - eff)) >>> 0;
    const base = ((addr.base as number) & mask) >>> 0;
    return { family: 4, base, prefix: eff, text: eff === 32 ? formatIPv4(base) : `${formatIPv4(base)}/${eff}` };
  }
  const mask = eff === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - eff)) - 1n);
  const base = (addr.base as bigint) & mask;
  return { family: 6, base, prefix: eff, text: eff === 128 ? formatIPv6(base) : `${formatIPv6(base)}/${eff}` };
}

/**
 * A set of networks that answers "is this address inside any of them" with one hash lookup
 * per distinct prefix length in use (at most 33 for IPv4, 129 for IPv6).
 */
export class NetMatcher {
  private readonly v4 = new Map<number, Set<number>>();
  private readonly v6 = new Map<number, Set<bigint>>();

  add(net: Net): void {
    if (net.family === 4) {
      let s = this.v4.get(net.prefix);
      if (!s) this.v4.set(net.prefix, (s = new Set()));
      s.add(net.base as number);
    } else {
      let s = this.v6.get(net.prefix);
      if (!s) this.v6.set(net.prefix, (s = new Set()));
      s.add(net.base as bigint);
    }
  }

  /** The address (already parsed) lies inside one of the networks. */
  containsNet(a: Net): boolean {
    if (a.family === 4) {
      const n = a.base as number;
      for (const [prefix, set] of this.v4) {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        if (set.has((n & mask) >>> 0)) return true;
      }
      return false;
    }
    const v = a.base as bigint;
    for (const [prefix, set] of this.v6) {
      const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
      if (set.has(v & mask)) return true;
    }
    return false;
  }

  /** The address text lies inside one of the networks. */
  contains(address: string): boolean {
    const a = parseAddress(address);
    return a !== undefined && this.containsNet(a);
  }

  get size(): number {
    let n = 0;
    for (const s of this.v4.values()) n += s.size;
    for (const s of this.v6.values()) n += s.size;
    return n;
  }
}

/** Loopback networks: never blocked. */
export const LOOPBACK = ['127.0.0.0/8', '::1'];

/** This machine's own addresses (every interface) and loopback: never blocked. */
export function ownNets(): Net[] {
  const out: Net[] = LOOPBACK.map((s) => parseNet(s) as Net);
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      const n = parseAddress(i.address.replace(/%.*$/, ''));
      if (n) out.push(n);
    }
  }
  return out;
}

/** Is the text an address or a network of either family (the first column of a list file)? */
export function isNet(s: string): boolean {
  return parseNet(s) !== undefined;
}
