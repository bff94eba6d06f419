// Address ranges of registry answers as CIDRs: `a - b` ranges, ARIN's CIDR lists, LACNIC's short forms.
import { formatIPv4, formatIPv6, parseIPv4 } from '../net/ip.js';
import { parseAddress, parseNet, netOf, type Net } from '../net/address.js';

/** More CIDRs than this for one range is no network anyone registered: the answer is not used. */
export const MAX_CIDRS = 64;

/** The CIDRs that exactly cover first..last (same family, first <= last); undefined beyond MAX_CIDRS. */
export function rangeToCidrs(first: Net, last: Net): Net[] | undefined {
  if (first.family !== last.family) return undefined;
  const bits = first.family === 4 ? 32 : 128;
  let lo = BigInt(first.base), hi = BigInt(last.base);
  if (lo > hi) return undefined;
  const out: Net[] = [];
  while (lo <= hi) {
    // The largest block aligned at lo that does not pass hi.
    let size = 0;
    while (size < bits && (lo & ((1n << BigInt(size + 1)) - 1n)) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= hi) size++;
    const prefix = bits - size;
    out.push(first.family === 4 ? netOf(4, Number(lo), prefix) : netOf(6, lo, prefix));
    if (out.length > MAX_CIDRS) return undefined;
    lo += 1n << BigInt(size);
  }
  return out;
}

/** `1.2.3.0 - 1.2.4.255` (RIPE, APNIC, AFRINIC, ARIN's NetRange) as CIDRs. */
export function parseRange(text: string): Net[] | undefined {
  const m = /^\s*(\S+)\s*-\s*(\S+)\s*$/.exec(text);
  if (!m) return undefined;
  const a = parseAddress(m[1]), b = parseAddress(m[2]);
  return a && b ? rangeToCidrs(a, b) : undefined;
}

/**
 * One network as a registry writes it: a CIDR (`2001:db8::/32`, `193.0.0.0/21`) or LACNIC's short
 * IPv4 form with octets left out (`200.1/16` is 200.1.0.0/16, `177/8`).
 */
export function parseCidr(text: string): Net | undefined {
  const s = text.trim();
  const m = /^(\d{1,3}(?:\.\d{1,3}){0,3})\/(\d{1,2})$/.exec(s);
  if (m) {
    const parts = m[1].split('.');
    while (parts.length < 4) parts.push('0');
    const v4 = parseIPv4(parts.join('.'));
    const p = Number(m[2]);
    if (v4 === undefined || p > 32) return undefined;
    return netOf(4, v4, p);
  }
  return s.includes('/') ? parseNet(s) : undefined;
}

/** Does the network hold the address? */
export function netHolds(net: Net, address: Net): boolean {
  return net.family === address.family && netOf(address.family, address.base, net.prefix).base === net.base;
}

/** The text of a network always with its prefix (`1.2.3.4/32`): the route column of geotrack.db. */
export function routeText(n: Net): string {
  const base = n.family === 4 ? formatIPv4(n.base as number) : formatIPv6(n.base as bigint);
  return `${base}/${n.prefix}`;
}

/** The address as a single-address network of its family (the seeds' fake CIDR `ADDR/32`). */
export function hostRoute(a: Net): Net {
  return netOf(a.family, a.base, a.family === 4 ? 32 : 128);
}

