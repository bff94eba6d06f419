// Forward lookups of the administrator's own names (MYROUTER): a dynamic-DNS name's current
// addresses, through DNS_SERVER or the system resolver. A name that does not answer is told
// apart from one that has no address: only the latter is an answer.
import { Resolver } from 'node:dns/promises';
import { normalizeAddress } from './address.js';
import { parseDnsServer } from './dns.js';

const NO_NAME = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/** Why a word is no host name (RFC 1123 labels, at most 253 characters), or undefined. */
export function hostNameRefusal(word: string): string | undefined {
  if (normalizeAddress(word)) return undefined;
  if (word.length > 253) return 'longer than 253 characters';
  const labels = word.replace(/\.$/, '').split('.');
  if (!labels.every((l) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l))) return 'not a host name (letters, digits and - in dot-separated labels) or an address';
  return undefined;
}

/** A name's addresses (canonical, both families), or why they are not known. */
export type NameAnswer = { addresses: string[] } | { failure: string };

/** Resolve names to their A and AAAA addresses; an address written as the name is its own answer. */
export async function resolveNames(names: readonly string[], conf: { DNS_SERVER: string; DNS_TIMEOUT: number }): Promise<Map<string, NameAnswer>> {
  const r = new Resolver({ timeout: conf.DNS_TIMEOUT, tries: 2 });
  if (conf.DNS_SERVER !== '' && conf.DNS_SERVER !== 'off') r.setServers([parseDnsServer(conf.DNS_SERVER)]);
  const out = new Map<string, NameAnswer>();
  await Promise.all(names.map(async (name) => {
    const literal = normalizeAddress(name);
    if (literal) { out.set(name, { addresses: [literal] }); return; }
    const ask = async (q: Promise<string[]>): Promise<string[] | string> => {
      try { return await q; } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        return NO_NAME.has(code) ? [] : code || (e as Error).message;
      }
    };
    const [a, aaaa] = await Promise.all([ask(r.resolve4(name)), ask(r.resolve6(name))]);
    if (typeof a === 'string' || typeof aaaa === 'string') { out.set(name, { failure: `no answer (${typeof a === 'string' ? a : aaaa})` }); return; }
    const addresses = [...new Set([...a, ...aaaa].map((x) => normalizeAddress(x)).filter((x): x is string => !!x))];
    out.set(name, addresses.length ? { addresses } : { failure: 'no address (NXDOMAIN or no A/AAAA record)' });
  }));
  return out;
}
