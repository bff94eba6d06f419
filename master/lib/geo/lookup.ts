// The network and country of an address, the seeds' way: ask IANA, follow its refer: to the
// regional registry (and a registry's referral on, at most MAX_HOPS), read its answer. IANA's
// blocks are remembered, so IANA is asked once per block, not once per address.
import { parseAddress, type Net } from '../net/address.js';
import { parseNetwork, parseReferral, isRefusal, type Referral } from './answer.js';
import { queryWhois, WhoisFailure, type WhoisOptions } from './whois.js';
import { registryOf, type Endpoint } from './registries.js';
import { ServerLimits, ServerPaused } from './limits.js';
import { hostRoute, netHolds } from './range.js';

/** What the registries say of an address; `nets` is the address alone (/32, /128) when no usable prefix. */
export interface Location { nets: Net[]; country: string; provider: string; queries: number; cut: boolean }

/** Referrals followed after IANA's, at most. */
const MAX_HOPS = 3;
/** The country recorded when no registry names one (ISO 3166 user-assigned "unknown"). */
export const UNKNOWN_COUNTRY = 'ZZ';

export interface LookupOptions extends WhoisOptions {
  /** IANA's server, as configured (WHOIS_SERVER, WHOIS_PORT). */
  iana: Endpoint;
  /** Server names reached elsewhere (WHOIS_HOSTS). */
  hosts: Map<string, Endpoint>;
}

export class GeoLookup {
  /** IANA's blocks and where they refer, most recent first. */
  private readonly blocks: { nets: Net[]; refer?: Referral }[] = [];
  /** Queries sent in all, answers cut at the size cap. */
  queries = 0;
  cut = 0;
  constructor(private o: LookupOptions, readonly limits: ServerLimits, private readonly trace: (m: string) => void = () => {}) {}

  /** New options (after SIGHUP). */
  configure(o: LookupOptions): void { this.o = o; }

  /** Where a referral's server name is reached. */
  private endpoint(r: Referral): Endpoint {
    if (r.host === this.o.iana.host || r.host === 'whois.iana.org') return this.o.iana;
    return this.o.hosts.get(r.host) ?? { host: r.host, port: r.port ?? 43 };
  }

  // One query within the server's limits; a refusal or a timeout pauses the server and throws.
  private async ask(name: string, at: Endpoint, query: string, mine: { queries: number }): Promise<{ text: string; cut: boolean }> {
    await this.limits.take(name);
    this.queries++;
    mine.queries++;
    try {
      const a = await queryWhois(at.host, at.port, query, this.o);
      this.trace(`whois ${name} '${query}': ${a.text.length} bytes in ${a.ms.toFixed(0)} ms${a.cut ? ' (cut at the size cap)' : ''}`);
      if (isRefusal(a.text)) {
        const until = this.limits.refused(name, 'refused: too many queries');
        throw new ServerPaused(name, until, 'refused: too many queries');
      }
      this.limits.answered(name);
      if (a.cut) this.cut++;
      return a;
    } catch (e) {
      // A server that does not answer (timeout, refused connection, reset) is left alone a while too.
      if (e instanceof WhoisFailure) {
        const until = this.limits.refused(name, e.message);
        throw new ServerPaused(name, until, e.message);
      }
      throw e;
    }
  }

  /** Network(s), country and provider of an address; throws ServerPaused or WhoisFailure when it cannot be known now. */
  async locate(address: string): Promise<Location> {
    const a = parseAddress(address);
    if (!a) throw new Error(`not an address: ${address}`);
    // This lookup's own queries (others run meanwhile).
    const mine = { queries: 0 };
    let refer = this.blocks.find((b) => b.nets.some((n) => netHolds(n, a)))?.refer;
    let cut = false;
    if (!refer && !this.blocks.some((b) => b.nets.some((n) => netHolds(n, a)))) {
      const iana = await this.ask(this.o.iana.host, this.o.iana, address, mine);
      cut ||= iana.cut;
      refer = parseReferral(iana.text);
      const block = parseNetwork(iana.text, a)?.nets;
      if (block) { this.blocks.unshift({ nets: block, refer }); this.blocks.length = Math.min(this.blocks.length, 4096); }
    }
    for (let hop = 0; refer && hop < MAX_HOPS; hop++) {
      const reg = registryOf(refer.host);
      const ans = await this.ask(refer.host, this.endpoint(refer), reg.query(address), mine);
      cut ||= ans.cut;
      const found = parseNetwork(ans.text, a);
      const next = parseReferral(ans.text);
      // ARIN refers space it handed to another registry on (ResourceLink, ReferralServer): follow it.
      if (next && next.host !== refer.host && (!found || next.server)) { refer = next; continue; }
      if (found) return { nets: found.nets, country: found.country ?? reg.country ?? UNKNOWN_COUNTRY, provider: reg.provider, queries: mine.queries, cut };
      return { nets: [hostRoute(a)], country: reg.country ?? UNKNOWN_COUNTRY, provider: reg.provider, queries: mine.queries, cut };
    }
    // IANA knows no registry (reserved, special use) or the referrals went round: the address alone.
    return { nets: [hostRoute(a)], country: UNKNOWN_COUNTRY, provider: refer ? registryOf(refer.host).provider : 'IANA', queries: mine.queries, cut };
  }
}
