// net/: addresses and networks. Strict IPv4/IPv6 parsing and canonical text (ip, this file),
// the one "is it inside" structure (netmatch) and the DNS classification of an attacker
// (TRUEHOST, FAKEHOST, NXDOMAIN, UNRESOLVED). It may import core/ only.
//
// Addresses and networks: strict parsing and normalisation; this machine's own addresses.
import { networkInterfaces } from 'node:os';
import { formatIPv4, formatIPv6, maskV4, maskV6, parseIPv4, parseIPv6 } from './ip.js';

export { formatIPv4, parseIPv4 } from './ip.js';

export type Family = 4 | 6;

/** A network in canonical form: `text` is what ipset/nft are given (host bits cleared). */
export interface Net {
  family: Family;
  /** Network address: a uint32 for IPv4, a bigint for IPv6. */
  base: number | bigint;
  prefix: number;
  text: string;
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

const ZONE = /^[0-9A-Za-z_.-]+$/;
const PADDED_QUAD = /^(.*?)((?:[0-9]{1,3}\.){3}[0-9]{1,3})$/;

/**
 * Canonical text of an address as a log line writes it, or undefined: besides what
 * normalizeAddress takes, an IPv6 address with its zone (`fe80::1%eth0` is fe80::1: the zone
 * names an interface of the logging host, not the peer) and a dotted quad with leading zeros
 * (`010.001.002.003` is 10.1.2.3, also after `::ffff:`): read as decimal, never as octal.
 */
export function readLogAddress(s: string): string | undefined {
  const plain = normalizeAddress(s);
  if (plain !== undefined) return plain;
  const pct = s.indexOf('%');
  if (pct > 0) {
    const zone = s.slice(pct + 1);
    const addr = s.slice(0, pct);
    return ZONE.test(zone) && addr.includes(':') ? readLogAddress(addr) : undefined;
  }
  const m = PADDED_QUAD.exec(s);
  const quad = m === null ? undefined : parseIPv4(m[2], true);
  if (quad === undefined) return undefined;
  return m![1] === '' ? formatIPv4(quad) : normalizeAddress(m![1] + formatIPv4(quad));
}

/** The network of a prefix length that holds an address (host bits cleared). */
export function netOf(family: Family, base: number | bigint, prefix: number): Net {
  if (family === 4) {
    const b = ((base as number) & maskV4(prefix)) >>> 0;
    return { family, base: b, prefix, text: prefix === 32 ? formatIPv4(b) : `${formatIPv4(b)}/${prefix}` };
  }
  const b = (base as bigint) & maskV6(prefix);
  return { family, base: b, prefix, text: prefix === 128 ? formatIPv6(b) : `${formatIPv6(b)}/${prefix}` };
}

/** Parse an address or CIDR (`10.0.0.0/8`, `2001:db8::/32`); host bits are cleared. */
export function parseNet(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return parseAddress(s);
  const addr = parseAddress(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(p)) return undefined;
  const mapped = addr.family === 4 && s.slice(0, slash).includes(':');
  const prefix = mapped ? Number(p) - 96 : Number(p);
  if (prefix < 0 || prefix > (addr.family === 4 ? 32 : 128)) return undefined;
  return netOf(addr.family, addr.base, prefix);
}

/** Is the text an address or a network of either family (the first column of a list file)? */
export function isNet(s: string): boolean {
  return parseNet(s) !== undefined;
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
