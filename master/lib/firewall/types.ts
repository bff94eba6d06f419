// firewall/: the kernel side. The few verbs every backend implements (this file), the backend
// factory (index) and the iptables + ipset backend: set names, ownership registry, batch
// loader (ipset restore with swaps), the live channel of a module and Watcher's chain.
// It may import core/ and net/ only; it knows nothing of Loadfiles, rules or modules.
//
// The firewall seen by Watcher: a few verbs that each backend (iptables+ipset, nftables) implements.
//
// Invariants every backend keeps:
// - Watcher owns one chain (WATCHER), jumped to by the first rule of INPUT. It opens with
//   RETURN for loopback and this machine's own addresses (never dropped, whatever a DROP set
//   holds), then the whitelist ACCEPT, then one DROP rule per set. Ensuring it twice changes
//   nothing; ensuring it after another program inserted rules above the jump moves it back up.
// - Watcher only fills, swaps and destroys sets it made itself; a set of another program with
//   a name a Loadfile uses is refused, never taken over.
// - Sets are named by their logical name (whitelist, blacklist, hijackers, custody, tarpit,
//   nixspam, geo-cn, ...). IPv4 and IPv6 entries are both accepted; the backend keeps them in
//   the family it needs (e.g. a twin set for IPv6) without the caller knowing.
// - A set is created with its match rule on the fly the first time it is named.
// - custody and tarpit are fed live by modules and are never emptied by a reload.

/** The sets every installation has, in rule order after the whitelist. */
export const STANDARD_SETS = ['whitelist', 'blacklist', 'hijackers', 'custody', 'tarpit'] as const;

/** Sets that modules fill live; a reload of the load pool never replaces them. */
export const LIVE_SETS = ['custody', 'tarpit'] as const;

/**
 * Sets a channel adds to besides the loads: the live sets (modules) and the whitelist (MyRouter).
 * Every other set changes only by loads (a channel only deletes from it: freeme, freewhite).
 */
export const CHANNEL_SETS = [...LIVE_SETS, 'whitelist'] as const;

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

/** One validated entry of a Loadfile: canonical address or CIDR text and its family. */
export interface Entry {
  set: string;
  /** Canonical: an address, or a network address and its length (never the full length). */
  net: string;
  family: 4 | 6;
  timeout?: number;
  comment?: string;
  /** The IPv4 address (or network address) as a number, when the reader parsed it. */
  base?: number;
}

/** A line not loaded: its file and line, and why. */
export interface LineRefusal { file: string; line: number; reason: string }

/** A set the backend could not rebuild: it keeps what it had. */
export interface KeptSet { set: string; reason: string }

/** What a batch load did. */
export interface LoadResult {
  /** Entries written to the restore tool. */
  entries: number;
  /** Sets rebuilt beside the live one and swapped in. */
  replaced: string[];
  /** Live sets (custody, tarpit) that got entries added. */
  added: string[];
  /** Lines the backend refused although they passed the checks: left out, the rest loaded. */
  refused: LineRefusal[];
  /** Sets the backend refused to rebuild: left as they were, the rest loaded. */
  kept: KeptSet[];
}

/**
 * A batch load in progress: one run of the backend's restore tool, fed while the Loadfiles are
 * still being read. Every set named gets a fresh copy built beside the live one and swapped in
 * by finish(), except the LIVE_SETS, which only get entries added. A set not named is untouched.
 */
export interface Loader {
  /** A hint given before a set's first entry: about this many entries will come (sizes the set). */
  expect(set: string, entries: number): void;
  /** Queue one validated entry; file and line of its source name it if the backend refuses it. */
  add(entry: Entry, file?: string, line?: number): void;
  /**
   * Queue validated entries of one set and family (canonical, with their comments when any has
   * one), from line `first` of `file` on; a loader without it is given them by add().
   */
  addNets?(set: string, family: 4 | 6, nets: readonly string[], comments: readonly (string | undefined)[] | undefined, file: string, first: number): void;
  /** Hand what is queued to the restore tool; resolves when it is ready for more (call between chunks and after each source). */
  drain(): Promise<void>;
  /**
   * Also replace these sets (possibly with nothing: an emptied static list), then swap and run.
   * A line the backend refuses is left out and reported, a set it cannot rebuild keeps what it
   * had; a load it refuses as a whole throws, with every copy removed. `written` is called once
   * the tool has its whole input, while it still applies it (for reads the load does not change).
   */
  finish(alsoReplace?: readonly string[], written?: () => void): Promise<LoadResult>;
  /** Stop without swapping anything; the live sets stay as they were. */
  abort(): Promise<void>;
}

/**
 * A live channel for modules: adds and deletes without forking a process per event. IPv4 and
 * IPv6 are both accepted. The sets must exist (ensure() / ensureSet()); a bad address or a
 * kernel error is reported by the next sync() and never ends the channel.
 */
export interface FirewallChannel {
  add(set: string, net: string, timeout?: number): void;
  del(set: string, net: string): void;
  /** Resolves when everything written so far has been applied (or rejects with the error). */
  sync(): Promise<void>;
  /** Adds and deletes taken but not yet known to be in the kernel (what a stop cut short would miss). */
  pending?(): number;
  close(): Promise<void>;
}

export interface Firewall {
  readonly name: 'iptables' | 'nftables';
  /**
   * Create the chain, the INPUT jump (first), the own set and the standard sets with their
   * rules, and the sets `also` names (as ensureSets(), in the same runs); idempotent.
   */
  ensure(also?: readonly string[]): Promise<void>;
  /** Create a set and its rule if missing; idempotent. */
  ensureSet(name: string): Promise<void>;
  /** ensureSet for many sets at once (one run of each tool). */
  ensureSets(names: readonly string[]): Promise<void>;
  /**
   * Set names a Loadfile may not fill: sets of other programs that exist in the kernel (not
   * Watcher's, see the backend's ownership record) and the names Watcher keeps for itself.
   * Asked while an ensure() runs, it answers as after it.
   */
  foreign(): Promise<Set<string>>;
  /**
   * Start a batch load; the restore input is also written to the file `flushload`. It may start
   * while ensure() runs: finish() is called after it.
   */
  loader(flushload: string): Loader;
  /** Entries of a set, canonical text. */
  list(name: string): Promise<string[]>;
  /** Names of the sets Watcher owns (logical names, without the IPv6 twins). */
  sets(): Promise<string[]>;
  /** counts() reads every set's count in one listing: counting some sets ahead saves nothing. */
  readonly countsAtOnce: boolean;
  /**
   * Entry counts of every Watcher set (both families together), or of those of `only` that
   * exist. A set in `known` is taken at that count, not read back (a backend that reads all
   * counts at once may read it all the same).
   */
  counts(o?: { only?: readonly string[]; known?: ReadonlyMap<string, number> }): Promise<Map<string, number>>;
  /** Open a live channel (persistent process) for a module. */
  channel(): FirewallChannel;
  /**
   * Remove every object Watcher owns (chain, jump, sets) and nothing else. A set that cannot be
   * destroyed (another program's rule uses it) is emptied and kept; the error names it and why.
   */
  destroy(): Promise<void>;
}

/** Watcher's own chain, jumped to from the top of INPUT. */
export const CHAIN = 'WATCHER';

/**
 * A set name a Loadfile may use: a letter, then letters, digits, '_', '.', '-', at most 24
 * characters (the backend adds suffixes for IPv6 twins and sets built beside), not ending in
 * one of those suffixes.
 */
export function isSetName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.-]{0,23}$/.test(name) && !/-(v6|new)$/.test(name);
}
