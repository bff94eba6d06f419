// GeoTrack.conf: the keys of the pseudo-module beside those every module has.
import { loadModuleConf } from '../../../common.conf.js';
import { MASTER_PATH } from '../core/paths.js';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { parseWhoisHosts, type Endpoint } from './registries.js';
import type { LookupOptions } from './lookup.js';

export const GEO_KEYS = {
  ENABLED: { type: 'flag', default: '', doc: 'non-empty: GeoTrack runs and makes its FIFO; empty: no FIFO, the modules hand nothing over' },
  ZONES: { type: 'list', default: 'cn ru by kp er', doc: 'countries (ISO 3166 codes, any case) whose networks go into custody' },
  WHOIS_SERVER: { type: 'string', default: 'whois.iana.org', doc: "IANA's whois server, asked first" },
  WHOIS_PORT: { type: 'int', default: '43', min: 1, max: 65535, doc: 'port of WHOIS_SERVER' },
  WHOIS_HOSTS: { type: 'string', default: '', doc: "'name=address[:port] ...': where a registry's whois server is reached instead (a mirror, a proxy)" },
  WHOIS_TIMEOUT: { type: 'int', default: '15000', min: 100, max: 300_000, doc: 'milliseconds one query may take, connect included' },
  WHOIS_MAX_BYTES: { type: 'int', default: '262144', min: 1024, max: 16_777_216, doc: 'bytes of one answer read at most' },
  WHOIS_RATE: { type: 'int', default: '30', min: 1, max: 6000, doc: 'queries a minute to each whois server at most' },
  WHOIS_BACKOFF: { type: 'int', default: '60', min: 1, max: 3600, doc: 'seconds a server is left alone after a refusal or timeout (doubled on each one in a row, at most an hour)' },
  WHOIS_PARALLEL: { type: 'int', default: '4', min: 1, max: 64, doc: 'addresses located at once' },
  QUEUE_MAX: { type: 'int', default: '100000', min: 10, max: 10_000_000, doc: 'addresses waiting for a query at most; beyond, new ones are counted as lost and logged' },
  WIDEST_NET: { type: 'int', default: '10', min: 1, max: 32, doc: 'IPv4: a network wider than this prefix is narrowed to the attacker\'s /WIDEST_NET' },
  WIDEST_NET6: { type: 'int', default: '24', min: 1, max: 128, doc: 'IPv6: the same for IPv6 networks' },
} as const;

export type GeoConf = ReturnType<typeof loadGeoConf>;

/** GeoTrack's settings: defaults, watcher.conf, modules/GeoTrack/GeoTrack.conf. A zone that is no country code is exit 78. */
export function loadGeoConf(master: string = MASTER_PATH) {
  const conf = loadModuleConf('GeoTrack', GEO_KEYS, { master });
  const bad = conf.ZONES.filter((z) => !/^[A-Za-z]{2}$/.test(z));
  const file = conf.files.at(-1) ?? 'GeoTrack.conf';
  if (bad.length) throw new WatcherError(`${file}: ZONES: ${bad.map((z) => JSON.stringify(z)).join(', ')} ${bad.length > 1 ? 'are' : 'is'} no country code (two letters, as cn ru)`, EX_CONFIG);
  return { ...conf, zones: new Set(conf.ZONES.map((z) => z.toUpperCase())), hosts: parseWhoisHosts(conf.WHOIS_HOSTS, file) };
}

/** What the whois lookup needs of the settings. */
export function lookupOptions(conf: GeoConf): LookupOptions {
  const iana: Endpoint = conf.hosts.get(conf.WHOIS_SERVER.toLowerCase()) ?? { host: conf.WHOIS_SERVER, port: conf.WHOIS_PORT };
  return { iana, hosts: conf.hosts, timeoutMs: conf.WHOIS_TIMEOUT, maxBytes: conf.WHOIS_MAX_BYTES };
}
