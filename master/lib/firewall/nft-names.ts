// How logical set names map to nftables sets in Watcher's own table: four kernel sets each.
import type { Family, Net } from '../net/address.js';
import { setInfo } from './types.js';

/** Watcher's own table (family inet): everything the nftables backend makes lives in it. */
export const TABLE = 'watcher';

/** The base chain on the input hook, evaluated ahead of the host's filter chains. */
export const INPUT_CHAIN = 'input';

/** Its priority: before iptables-nft's and the distributions' filter chains (priority 0). */
export const PRIORITY = 'filter - 10';

/**
 * The kernel set of a logical set that holds one family's single addresses (a hash: fast to
 * load, an entry deleted alone) or its networks (an interval set): `blacklist/ip`,
 * `blacklist/net`, `blacklist/ip6`, `blacklist/net6`. A '/' cannot occur in a logical name, so
 * no two sets meet, and the name is never one of nft's keywords (`drop`, `ip`, `meta`, ...).
 */
export function nftName(logical: string, family: Family, net: boolean): string {
  return `${logical}/${net ? 'net' : 'ip'}${family === 6 ? '6' : ''}`;
}

/** The regular chain of a logical set: its four match rules (jumped to from the input chain). */
export function chainName(logical: string): string {
  return `${logical}/${setInfo(logical).verdict.toLowerCase()}`;
}

/** The logical set of a kernel set or set chain name; undefined for any other name. */
export function nftLogical(kernel: string): string | undefined {
  const m = /^(.+)\/(ip6?|net6?|drop|accept)$/.exec(kernel);
  return m ? m[1] : undefined;
}

/** The four kernel sets of a logical set: v4 addresses, v4 networks, v6 addresses, v6 networks. */
export function nftNames(logical: string): { kernel: string; family: Family; net: boolean }[] {
  const out: { kernel: string; family: Family; net: boolean }[] = [];
  for (const family of [4, 6] as Family[]) for (const net of [false, true]) out.push({ kernel: nftName(logical, family, net), family, net });
  return out;
}

/** The rules of a set's chain: one match per kernel set, with the set's verdict unless given. */
export function setRules(logical: string, verdict = setInfo(logical).verdict.toLowerCase()): string[] {
  return nftNames(logical).map(({ kernel, family }) => `${family === 4 ? 'ip' : 'ip6'} saddr @${kernel} ${verdict}`);
}

/** A host entry goes to the address set, a network (shorter prefix) to the interval set. */
export function isHost(n: Pick<Net, 'family' | 'prefix'>): boolean {
  return n.prefix === (n.family === 4 ? 32 : 128);
}

/** The `add set` command of a kernel set (idempotent in nft: an existing set is left alone). */
export function addSetLine(logical: string, kernel: string, family: Family, net: boolean): string {
  const flags = [net ? 'interval' : '', setInfo(logical).timeout ? 'timeout' : ''].filter(Boolean);
  return `add set inet ${TABLE} ${kernel} { type ${family === 4 ? 'ipv4_addr' : 'ipv6_addr'};${flags.length ? ` flags ${flags.join(',')};` : ''} }`;
}

/** The longest element comment nft takes, in bytes; a longer one (ipset takes 255) is cut. */
export const NFT_COMMENT = 128;

// Cut text to at most `max` bytes of UTF-8 without splitting a character.
function cutBytes(text: string, max: number): string {
  const b = Buffer.from(text);
  if (b.length <= max) return text;
  return b.subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}

/** One element as nft takes it: the address or CIDR, its timeout (0: none), its comment. */
export function elementText(net: string, timeout?: number, comment?: string): string {
  return `${net}${timeout !== undefined && timeout > 0 ? ` timeout ${timeout}s` : ''}${comment !== undefined ? ` comment "${cutBytes(comment, NFT_COMMENT)}"` : ''}`;
}
