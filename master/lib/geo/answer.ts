// What a whois answer says: the referral to follow, the network that holds the address and its
// country, or a refusal (too many queries). Every answer is hostile text: only lines of the
// known forms are read, values are parsed strictly, and nothing else of them is kept.
import { parseAddress, type Net } from '../net/address.js';
import { parseCidr, parseRange, netHolds } from './range.js';

/** The network that holds the address, as far as the answer says. */
export interface Found {
  /** The CIDRs of the most specific range that holds the address (one range may need several). */
  nets: Net[];
  /** ISO 3166 code in capitals, or undefined when the answer names none. */
  country?: string;
}

/** Where a registry refers the query on: host and port of a whois server; `server` for a registry's own referral (ARIN's). */
export interface Referral { host: string; port?: number; server?: boolean }

// A refusal: RIPE-style servers (RIPE, APNIC, AFRINIC) say %ERROR:201, ARIN and LACNIC a rate limit.
const REFUSAL = /^%\s*ERROR:20[12]\b|access denied|rate limit|limit exceeded|too many (?:queries|requests|connections)|excessive querying|try again later/im;

/** The answer refuses the query (too many queries, access denied): the server wants a pause. */
export function isRefusal(text: string): boolean {
  return REFUSAL.test(text);
}

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}\.?$|^(?:\d{1,3}\.){3}\d{1,3}$/;

/**
 * The referral of an answer: IANA's `refer:` (or its `whois:` when no refer), a registry's
 * `ReferralServer: whois://host[:port]` or `ResourceLink: whois.ripe.net` (ARIN, for space it
 * handed to another registry); rwhois, http and other schemes are not followed.
 */
export function parseReferral(text: string): Referral | undefined {
  let whois: Referral | undefined;
  for (const raw of text.split('\n')) {
    const m = /^\s*(refer|whois|ReferralServer|ResourceLink)\s*:\s*(\S+)\s*$/i.exec(raw.replace(/\r$/, ''));
    if (!m) continue;
    const key = m[1].toLowerCase();
    if (key === 'referralserver' || key === 'resourcelink') {
      const u = /^(?:whois:\/\/)?([^/:]+)(?::(\d{1,5}))?\/?$/i.exec(m[2]);
      if (!u || (key === 'referralserver' && !/^whois:/i.test(m[2])) || !HOST.test(u[1])) continue;
      const port = u[2] ? Number(u[2]) : undefined;
      if (port !== undefined && !(port > 0 && port < 65536)) continue;
      return { host: u[1].toLowerCase().replace(/\.$/, ''), port, server: true };
    }
    if (!HOST.test(m[2])) continue;
    if (key === 'refer') return { host: m[2].toLowerCase().replace(/\.$/, '') };
    whois ??= { host: m[2].toLowerCase().replace(/\.$/, '') };
  }
  return whois;
}

// A range value of a network line, whatever the registry's form.
function rangeOf(key: string, value: string): Net[] | undefined {
  const v = value.replace(/\s*\(\/\d+\)\s*$/, '').trim();
  if (key === 'cidr') {
    const nets = v.split(/\s*,\s*/).map(parseCidr);
    return nets.every((n) => n !== undefined) ? (nets as Net[]) : undefined;
  }
  if (v.includes(' - ') || /^\S+\s*-\s*\S+$/.test(v)) return parseRange(v);
  const one = parseCidr(v);
  return one ? [one] : undefined;
}

// The key of a network line: RPSL inetnum/inet6num (RIPE, APNIC, AFRINIC, LACNIC), ARIN's NetRange
// and CIDR, JPNIC's `a. [Network Number]`, KRNIC's `IPv4 Address :`.
const NETLINE = /^\s*(?:(inetnum|inet6num|netrange|cidr)\s*:|[a-z]\.\s*\[(network number)\]|(ipv[46] address)\s*:)\s*(.*)$/i;
const COUNTRY = /^\s*country(?:[- ]code)?\s*:\s*([A-Za-z]{2})\b/i;

/**
 * The most specific network of the answer that holds the address, and its country: the country
 * line of the same object, else the first one after it (ARIN writes it in the organisation).
 * Ranges that do not hold the address are ignored (a hostile or confused server).
 */
export function parseNetwork(text: string, address: Net): Found | undefined {
  const lines = text.split('\n');
  let best: { nets: Net[]; size: number; at: number } | undefined;
  let prev = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') { prev = -1; continue; }
    const m = NETLINE.exec(line);
    if (!m) continue;
    const key = m[1] ? m[1].toLowerCase() : m[2] ? 'cidr' : 'range';
    const nets = rangeOf(key === 'cidr' ? 'cidr' : 'range', m[4]);
    if (!nets || nets.length === 0) continue;
    const holding = nets.filter((n) => netHolds(n, address));
    if (holding.length === 0) continue;
    // ARIN writes CIDR right after NetRange, in the same object: its list replaces the range.
    if (key === 'cidr' && best && prev === best.at) { best = { ...best, nets: holding }; prev = i; best.at = i; continue; }
    // Most specific: the widest CIDR of the range is the narrowest.
    const size = Math.min(...nets.map((n) => n.prefix));
    if (!best || size > best.size) best = { nets: key === 'cidr' ? holding : nets, size, at: i };
    prev = i;
  }
  if (!best) return undefined;
  let country: string | undefined;
  // The object's own lines run to the next blank line; then anything after it.
  let end = best.at;
  while (end < lines.length && lines[end].trim() !== '') end++;
  let start = best.at;
  while (start > 0 && lines[start - 1].trim() !== '') start--;
  for (const range of [[start, end], [end, lines.length]]) {
    for (let i = range[0]; i < range[1] && !country; i++) {
      const c = COUNTRY.exec(lines[i]);
      if (c) country = c[1].toUpperCase();
    }
    if (country) break;
  }
  return { nets: best.nets, country };
}

/** The address a line `ADDR Watch<XX>` hands over, with its origin; undefined for anything else. */
export function parseHandOver(line: string): { address: string; origin: string } | undefined {
  const m = /^(\S{2,45}) ([A-Za-z][A-Za-z0-9_-]{1,31})$/.exec(line.trim());
  if (!m) return undefined;
  const a = parseAddress(m[1]);
  return a ? { address: a.text, origin: m[2] } : undefined;
}
