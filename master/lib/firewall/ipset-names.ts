// How logical set names map to kernel ipsets: an IPv6 twin per set, a '-new' copy while a set is rebuilt.
import { setInfo } from './types.js';
import type { Family } from '../net/address.js';

/** Upper bound of entries per set (memory is only used for entries present). */
export const MAXELEM = 16_777_216;

/** The kernel set that holds a family's entries of a logical set. */
export function kernelName(logical: string, family: Family): string {
  return family === 6 ? `${logical}-v6` : logical;
}

/** The logical set a kernel set belongs to. */
export function logicalName(kernel: string): string {
  return kernel.replace(/-new$/, '').replace(/-v6$/, '');
}

/** The copy a set is rebuilt in before it is swapped in. */
export function newName(kernel: string): string {
  return `${kernel}-new`;
}

/** The hash size for about `entries` entries: sized up front, the kernel need not grow it while loading. */
export function hashSize(entries: number): number {
  let size = 1024;
  while (size < entries && size < 1 << 20) size *= 2;
  return size;
}

/** The `ipset create` line of a kernel set; `entries` (expected) sizes its hash. */
export function createLine(logical: string, kernel: string, family: Family, entries?: number): string {
  const info = setInfo(logical);
  // tarpit's IPv6 twin is a hash:net: it takes an attacker's /64 (IPV6_PREFIX) with its timeout.
  const type = info.kind === 'ip' && family === 4 ? 'hash:ip' : 'hash:net';
  const size = entries !== undefined ? ` hashsize ${hashSize(entries)}` : '';
  return `create ${kernel} ${type} family ${family === 6 ? 'inet6' : 'inet'}${size} maxelem ${MAXELEM}${info.timeout ? ' timeout 0' : ''} comment`;
}

/** The registry: a list:set naming every kernel set Watcher made (see ipset-owner.ts). */
export const REGISTRY = 'watcher-sets';

/** The set of this machine's own addresses (and its -v6 twin), refreshed on every ensure(). */
export const OWN = 'watcher-own';

/** Names Watcher keeps for itself: no Loadfile may fill them. */
export function isReserved(logical: string): boolean {
  return logical === REGISTRY || logical === OWN;
}
