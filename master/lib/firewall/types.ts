// The firewall seen by Watcher: a few verbs that each backend (iptables+ipset, nftables) implements.
//
// Invariants every backend keeps:
// - Watcher owns one chain (WATCHER), jumped to from the top of INPUT. In it the whitelist
//   ACCEPT comes first, then one DROP rule per set. Ensuring it twice changes nothing.
// - Sets are named by their logical name (whitelist, blacklist, hijackers, custody, tarpit,
//   nixspam, geo-cn, ...). IPv4 and IPv6 entries are both accepted; the backend keeps them in
//   the family it needs (e.g. a twin set for IPv6) without the caller knowing.
// - A set is created with its match rule on the fly the first time it is named.
// - custody and tarpit are fed live by modules and are never emptied by a reload.

/** The sets every installation has, in rule order after the whitelist. */
export const STANDARD_SETS = ['whitelist', 'blacklist', 'hijackers', 'custody', 'tarpit'] as const;

/** Sets that modules fill live; a reload of the load pool never replaces them. */
export const LIVE_SETS = ['custody', 'tarpit'] as const;

export interface SetInfo {
  name: string;
  /** hash:ip with timeouts (tarpit) or hash:net. */
  kind: 'ip' | 'net';
  /** ACCEPT for whitelist, DROP for every other set. */
  verdict: 'ACCEPT' | 'DROP';
  timeout: boolean;
}

/** The kind of set a logical name gets. */
export function setInfo(name: string): SetInfo {
  if (name === 'tarpit') return { name, kind: 'ip', verdict: 'DROP', timeout: true };
  return { name, kind: 'net', verdict: name === 'whitelist' ? 'ACCEPT' : 'DROP', timeout: false };
}

/** One entry of a set: an address or CIDR in canonical text, with an optional timeout. */
export interface Entry { set: string; net: string; timeout?: number; comment?: string }

/** What the backend loads in one batch: whole sets to be replaced, and entries to add. */
export interface Batch {
  /** Sets whose content is replaced by exactly these entries (built beside and swapped in). */
  replace: Map<string, string[]>;
  /** Entries added to live sets without emptying them (custody, tarpit). */
  add: Entry[];
}

/** A live channel for modules: adds and deletes without forking a process per event. */
export interface FirewallChannel {
  add(set: string, net: string, timeout?: number): void;
  del(set: string, net: string): void;
  /** Resolves when everything written so far has been applied (or rejects with the error). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface Firewall {
  readonly name: 'iptables' | 'nftables';
  /** Create the chain, the INPUT jump and the standard sets with their rules; idempotent. */
  ensure(): Promise<void>;
  /** Create a set and its rule if missing; idempotent. */
  ensureSet(name: string): Promise<void>;
  /** Load a batch in one run of the backend's restore tool; returns the number of entries. */
  load(batch: Batch, flushload: string): Promise<number>;
  /** Entries of a set, canonical text. */
  list(name: string): Promise<string[]>;
  /** Entry counts of every Watcher set. */
  counts(): Promise<Map<string, number>>;
  /** Open a live channel (persistent process) for a module. */
  channel(): FirewallChannel;
  /** Remove every object Watcher owns (chain, jump, sets) and nothing else. */
  destroy(): Promise<void>;
}
