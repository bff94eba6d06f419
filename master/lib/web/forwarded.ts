// The client behind a trusted reverse proxy or CDN: the last address of X-Forwarded-For that is
// not one of the instance's trusted proxies. Only a request that came from a trusted proxy
// (%h / $remote_addr in the list) is read so; any other client's X-Forwarded-For is its own
// text and ignored.
import { parseAddress, normalizeAddress } from '../net/address.js';
import type { NetMatcher } from '../net/netmatch.js';
import type { Peer } from '../rules/maps.js';
import { quotedFields } from './instance.js';

/** One element of X-Forwarded-For: an address, `[v6]:port` or `v4:port`, or undefined. */
export function readForwardedElement(s: string): string | undefined {
  const t = s.trim();
  const direct = normalizeAddress(t);
  if (direct) return direct;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::[0-9]{1,5})?$/.exec(t);
  if (v6) return normalizeAddress(v6[1]);
  const v4 = /^([0-9.]+):[0-9]{1,5}$/.exec(t);
  return v4 ? normalizeAddress(v4[1]) : undefined;
}

/**
 * The peer of an access line whose direct peer is `found`: `found` itself unless it is a trusted
 * proxy; then the last X-Forwarded-For element that is not trusted, or no peer at all where the
 * header is missing, empty, all trusted or garbled there (the proxy is never counted).
 */
export function forwardedPeer(found: Peer, trusted: NetMatcher | undefined, line: string, at: number): Peer {
  if (trusted === undefined || typeof found !== 'string') return found;
  const direct = parseAddress(found);
  if (direct === undefined || !trusted.containsNet(direct)) return found;
  const fields = quotedFields(line, at);
  if (fields.length < 4) return undefined;
  const chain = fields[3].split(',');
  for (let k = chain.length - 1; k >= 0; k--) {
    const a = readForwardedElement(chain[k]);
    if (a === undefined) return undefined;
    if (!trusted.containsNet(parseAddress(a)!)) return a;
  }
  return undefined;
}
