// DNS classification of an attacker's address: TRUEHOST, FAKEHOST, NXDOMAIN, or UNRESOLVED.
//
// TRUEHOST: the PTR name resolves back to the address. FAKEHOST: there is a PTR name, but it
// does not resolve back. NXDOMAIN: no PTR name at all (NXDOMAIN or no PTR record).
// UNRESOLVED: the resolver did not answer (timeout, SERVFAIL, refused) or DNS_SERVER=off.
// A failure of our own resolver is no evidence against the address, so UNRESOLVED is
// counted like a TRUEHOST (the rule's penalty) and is cached only briefly (FAIL_TTL).
import { Resolver } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { systemClock, type Clock } from '../core/clock.js';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { normalizeAddress, parseAddress } from './address.js';

export type HostClass = 'TRUEHOST' | 'FAKEHOST' | 'NXDOMAIN' | 'UNRESOLVED';

export interface Classification { class: HostClass; host?: string; reason?: string }

export interface DnsConf { DNS_SERVER: string; DNS_TIMEOUT: number; DNS_CACHE_TTL: number }

/** Seconds an UNRESOLVED answer is kept before the address is asked again. */
export const FAIL_TTL = 60;
const CACHE_MAX = 200_000;
const NO_NAME = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/** Turn DNS_SERVER (addr, addr:port, [v6]:port) into what Resolver.setServers takes. */
export function parseDnsServer(value: string): string {
  if (isIPv6(value)) return `[${value}]`;
  const m = /^(\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(value);
  if (!m) throw new WatcherError(`DNS_SERVER=${JSON.stringify(value)}: not an address[:port] (or 'off', or empty for the system resolver)`, EX_CONFIG);
  return m[2] ? `${m[1]}:${m[2]}` : m[1];
}

/** The PTR query name of an address: 4.3.2.1.in-addr.arpa, or the nibbles under ip6.arpa. */
export function arpaName(address: string): string {
  const a = parseAddress(address);
  if (!a) throw new WatcherError(`not an address: ${JSON.stringify(address)}`);
  if (a.family === 4) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${(a.base as bigint).toString(16).padStart(32, '0').split('').reverse().join('.')}.ip6.arpa`;
}

/** Classifies addresses through one resolver, with a cache (DNS_CACHE_TTL seconds; 0 = none). */
export class DnsClassifier {
  private readonly resolver?: Resolver;
  private readonly cache = new Map<string, { c: Classification; until: number }>();

  constructor(private readonly conf: DnsConf, private readonly clock: Clock = systemClock) {
    if (conf.DNS_SERVER === 'off') return;
    this.resolver = new Resolver({ timeout: conf.DNS_TIMEOUT, tries: 1 });
    if (conf.DNS_SERVER !== '') this.resolver.setServers([parseDnsServer(conf.DNS_SERVER)]);
  }

  /** The answer without asking, when it is known (cache, or DNS off). */
  cached(address: string): Classification | undefined {
    if (!this.resolver) return { class: 'UNRESOLVED', reason: 'DNS off' };
    const hit = this.cache.get(address);
    if (hit && hit.until > this.clock.now()) return hit.c;
    if (hit) this.cache.delete(address);
    return undefined;
  }

  /** Give up every lookup in flight (they answer UNRESOLVED at once): a stopping module does not wait for them. */
  cancel(): void { this.resolver?.cancel(); }

  /** Ask the resolver: PTR, then the name's A/AAAA records. */
  async classify(address: string): Promise<Classification> {
    const known = this.cached(address);
    if (known) return known;
    const c = await this.lookup(address);
    const ttl = c.class === 'UNRESOLVED' ? Math.min(FAIL_TTL, this.conf.DNS_CACHE_TTL) : this.conf.DNS_CACHE_TTL;
    if (ttl > 0) {
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(address, { c, until: this.clock.now() + ttl * 1000 });
    }
    return c;
  }

  private async lookup(address: string): Promise<Classification> {
    const r = this.resolver!;
    let names: string[];
    // resolvePtr, not reverse(): c-ares' reverse() reports a timeout as ENOTFOUND.
    try { names = await r.resolvePtr(arpaName(address)); }
    catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (NO_NAME.has(code)) return { class: 'NXDOMAIN' };
      return { class: 'UNRESOLVED', reason: `PTR ${code || (e as Error).message}` };
    }
    if (names.length === 0) return { class: 'NXDOMAIN' };
    const host = names[0];
    try {
      const addrs = isIPv6(address) ? await r.resolve6(host) : await r.resolve4(host);
      return addrs.some((a) => normalizeAddress(a) === address) ? { class: 'TRUEHOST', host } : { class: 'FAKEHOST', host };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (NO_NAME.has(code)) return { class: 'FAKEHOST', host };
      return { class: 'UNRESOLVED', host, reason: `A/AAAA of ${host}: ${code || (e as Error).message}` };
    }
  }
}
