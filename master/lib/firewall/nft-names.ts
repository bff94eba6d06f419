// How logical set names map to nftables sets in Watcher's own table: a hash set per prefix length.
import { formatIPv4, formatIPv6, maskV4, maskV6 } from '../net/ip.js';
import type { Family, Net } from '../net/address.js';
import { setInfo } from './types.js';

/** Watcher's own table (family inet): everything the nftables backend makes lives in it. */
export const TABLE = 'watcher';

/** The base chain on the input hook, evaluated ahead of the host's filter chains. */
export const INPUT_CHAIN = 'input';

/** Its priority: before iptables-nft's and the distributions' filter chains (priority 0). */
export const PRIORITY = 'filter - 10';

/** One kernel set of a logical set: its name, family and the prefix length of its entries. */
export interface KernelSet { kernel: string; logical: string; family: Family; prefix: number }

const full = (family: Family) => (family === 4 ? 32 : 128);

/**
 * The kernel set of a logical set that holds one family's entries of one prefix length, a
 * plain hash (no interval flag: nft 1.0.6 reads back every interval set of the ruleset before
 * each `add element`, so a live add would cost as much as the biggest network list). Single
 * addresses: `blacklist/ip`, `blacklist/ip6`; networks: `blacklist/ip/24`, `blacklist/ip6/64`,
 * holding the network address, matched with the mask. A '/' cannot occur in a logical name, so
 * no two sets meet, and the name is never one of nft's keywords (`drop`, `ip`, `meta`, ...).
 */
export function nftName(logical: string, n: Pick<Net, 'family' | 'prefix'>): string {
  const base = `${logical}/ip${n.family === 6 ? '6' : ''}`;
  return n.prefix === full(n.family) ? base : `${base}/${n.prefix}`;
}

/** The kernel set of a name of Watcher's layout; undefined for any other name. */
export function parseKernel(kernel: string): KernelSet | undefined {
  const m = /^([^/]+)\/ip(6?)(?:\/(\d{1,3}))?$/.exec(kernel);
  if (!m) return undefined;
  const family: Family = m[2] ? 6 : 4;
  const prefix = m[3] === undefined ? full(family) : Number(m[3]);
  if (m[3] !== undefined && (prefix < 1 || prefix >= full(family))) return undefined;
  return { kernel, logical: m[1], family, prefix };
}

/** The regular chain of a logical set: its match rules (jumped to from the input chain). */
export function chainName(logical: string): string {
  return `${logical}/${setInfo(logical).verdict.toLowerCase()}`;
}

/** The logical set of a set chain name (`blacklist/drop`); undefined for any other name. */
export function nftLogical(chain: string): string | undefined {
  const m = /^([^/]+)\/(drop|accept)$/.exec(chain);
  return m ? m[1] : undefined;
}

/** The two kernel sets every logical set has: single addresses of each family. */
export function hostSets(logical: string): KernelSet[] {
  return ([4, 6] as Family[]).map((family) => ({ kernel: nftName(logical, { family, prefix: full(family) }), logical, family, prefix: full(family) }));
}

/** The match rule of one kernel set: the source address, masked to the set's prefix length. */
export function setRule(k: KernelSet, verdict: string): string {
  const ip = k.family === 4 ? 'ip' : 'ip6';
  if (k.prefix === full(k.family)) return `${ip} saddr @${k.kernel} ${verdict}`;
  const mask = k.family === 4 ? formatIPv4(maskV4(k.prefix) >>> 0) : formatIPv6(maskV6(k.prefix));
  return `${ip} saddr & ${mask} @${k.kernel} ${verdict}`;
}

/** The rules of a set's chain: one match per kernel set, with the set's verdict unless given. */
export function setRules(kernels: readonly KernelSet[], verdict?: string): string[] {
  return kernels.map((k) => setRule(k, verdict ?? setInfo(k.logical).verdict.toLowerCase()));
}

/** A host entry goes to the address set, a network (shorter prefix) to its prefix's set. */
export function isHost(n: Pick<Net, 'family' | 'prefix'>): boolean {
  return n.prefix === full(n.family);
}

// A kernel set's declaration, with `extra` properties.
function declare(k: KernelSet, extra = ''): string {
  return `${k.kernel} { type ${k.family === 4 ? 'ipv4_addr' : 'ipv6_addr'};${setInfo(k.logical).timeout ? ' flags timeout;' : ''}${extra} }`;
}

/** The declaration of a kernel set (`add set` is idempotent in nft, `create set` fails on one present). */
export function setDecl(k: KernelSet): string {
  return declare(k);
}

/** The `add set` command of a kernel set (an existing set is left alone). */
export function addSetLine(k: KernelSet): string {
  return `add set inet ${TABLE} ${declare(k)}`;
}

/**
 * The `add set` command of a new kernel set that holds `size` elements at most: the kernel
 * makes it a hash of that size at once instead of one it regrows while the elements are added
 * (on a large load, two fifths of nft's time in the kernel went to regrowing).
 */
export function sizedSetLine(k: KernelSet, size: number): string {
  return `add set inet ${TABLE} ${declare(k, ` size ${size};`)}`;
}

/** The kernel set of an entry of a logical set. */
export function kernelOf(logical: string, n: Pick<Net, 'family' | 'prefix'>): KernelSet {
  return { kernel: nftName(logical, n), logical, family: n.family, prefix: n.prefix };
}

/** The member of its kernel set an entry is: the address, or the network address without its length. */
export function memberText(n: Pick<Net, 'text'>): string {
  const slash = n.text.indexOf('/');
  return slash < 0 ? n.text : n.text.slice(0, slash);
}

/** The entry a member of a kernel set stands for: address, or network/length. */
export function entryText(k: Pick<KernelSet, 'family' | 'prefix'>, member: string): string {
  return k.prefix === full(k.family) ? member : `${member}/${k.prefix}`;
}

/** The longest element comment nft takes, in bytes; a longer one (ipset takes 255) is cut. */
export const NFT_COMMENT = 128;

// Cut text to at most `max` bytes of UTF-8 without splitting a character.
function cutBytes(text: string, max: number): string {
  const b = Buffer.from(text);
  if (b.length <= max) return text;
  return b.subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}

/** One element as nft takes it: the member, its timeout (0: none), its comment. */
export function elementText(member: string, timeout?: number, comment?: string): string {
  return `${member}${timeout !== undefined && timeout > 0 ? ` timeout ${timeout}s` : ''}${comment !== undefined ? ` comment "${cutBytes(comment, NFT_COMMENT)}"` : ''}`;
}
