// Who an affair counts for: the address a line names, or its IPv6 network (IPV6_PREFIX).
import { netOf, parseAddress, type Net } from '../net/address.js';

/**
 * The bandit an attacker's address counts as: an IPv6 address becomes its /prefix network
 * (one host commonly holds a whole /64, and walks through it), unless an address that is never
 * blocked (`spared`: whitelist, own, loopback) lies in that network; then the address alone,
 * so a neighbour on the whitelist is never dropped with it. IPv4 and prefix 128: the address.
 */
export function banditOf(address: string, prefix: number, spared: (net: Net) => boolean): string {
  if (prefix >= 128) return address;
  const a = parseAddress(address);
  if (!a || a.family !== 6) return address;
  const net = netOf(6, a.base, prefix);
  return spared(net) ? address : net.text;
}
