// The registries GeoTrack asks: the query form that makes each answer with the network object
// only (no contact objects, no personal data), the provider name geotrack.db records, the
// country a national registry implies, and where an administrator points a server's name.
import { WatcherError, EX_CONFIG } from '../core/exit.js';

export interface Registry {
  /** provider column of geotrack.db. */
  provider: string;
  /** The query for an address. */
  query: (address: string) => string;
  /** The country of every network of a national registry whose answers name none. */
  country?: string;
}

// RIPE's server software (RIPE, APNIC, AFRINIC): -r no contact lookups, -T the network objects only.
const rpsl = (provider: string): Registry => ({ provider, query: (a) => `-r -T ${a.includes(':') ? 'inet6num' : 'inetnum'} ${a}` });

const REGISTRIES: Record<string, Registry> = {
  'whois.iana.org': { provider: 'IANA', query: (a) => a },
  'whois.ripe.net': rpsl('RIPE'),
  'whois.apnic.net': rpsl('APNIC'),
  'whois.afrinic.net': rpsl('AFRINIC'),
  // ARIN: `n` asks for networks only (no ASN, org or contact lookups by name).
  'whois.arin.net': { provider: 'ARIN', query: (a) => `n ${a}` },
  'whois.lacnic.net': { provider: 'LACNIC', query: (a) => a },
  'whois.registro.br': { provider: 'NIC.br', query: (a) => a, country: 'BR' },
  // JPNIC answers in English with /e.
  'whois.nic.ad.jp': { provider: 'JPNIC', query: (a) => `${a}/e`, country: 'JP' },
  'whois.kisa.or.kr': { provider: 'KRNIC', query: (a) => a, country: 'KR' },
  'whois.krnic.net': { provider: 'KRNIC', query: (a) => a, country: 'KR' },
  'whois.twnic.net': { provider: 'TWNIC', query: (a) => a, country: 'TW' },
  'whois.twnic.net.tw': { provider: 'TWNIC', query: (a) => a, country: 'TW' },
};

/** The registry behind a whois server's name; an unknown one is asked the plain address. */
export function registryOf(host: string): Registry {
  return REGISTRIES[host] ?? { provider: host.replace(/^whois\./, '').toUpperCase(), query: (a) => a };
}

/** Where a server name is reached: host and port. */
export interface Endpoint { host: string; port: number }

/**
 * WHOIS_HOSTS: `name=address[:port] ...`, where a whois server's name is reached instead (a local
 * mirror, a proxy, a test server). A bad word is a configuration error naming it.
 */
export function parseWhoisHosts(value: string, where: string): Map<string, Endpoint> {
  const out = new Map<string, Endpoint>();
  for (const word of value.split(/\s+/).filter(Boolean)) {
    const m = /^([A-Za-z0-9.-]+)=(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(word);
    const port = m?.[3] ? Number(m[3]) : 43;
    if (!m || port < 1 || port > 65535) throw new WatcherError(`${where}: WHOIS_HOSTS: ${JSON.stringify(word)} is not name=address[:port]`, EX_CONFIG);
    out.set(m[1].toLowerCase(), { host: m[2].replace(/^\[|\]$/g, ''), port });
  }
  return out;
}
