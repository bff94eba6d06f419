// The nftables backend: Watcher's own table (inet watcher), hash sets per prefix length, its chains.
import { WatcherError, EX_DATAERR } from '../core/exit.js';
import { ownNets } from '../net/address.js';
import { isReserved, OWN, REGISTRY } from './ipset-names.js';
import { addSetLine, elementText, kernelOf, memberText, type KernelSet } from './nft-names.js';
import { chainOrder, inputLines, rebuildChains, setLines } from './nft-chains.js';
import { kernelsOf, layoutAdd, nft, readChains, readLayout, readSet, T } from './nft-read.js';
import { migrationLines } from './nft-migrate.js';
import { openNftChannel } from './nft-channel.js';
import { openNftLoader } from './nft-loader.js';
import { serialQueue } from './serial.js';
import { isSetName, LIVE_SETS, STANDARD_SETS, type Firewall } from './types.js';

/**
 * Invariants:
 * - Everything lives in the table `inet watcher`; nothing of another table is read or changed,
 *   and `full` deletes that table alone. Sets of other programs cannot meet Watcher's.
 * - A logical set L is plain hash sets, one per family and prefix length in use (L/ip, L/ip6,
 *   L/ip/24, L/ip6/64: see nft-names.ts; no interval set, so a live add reads back no list),
 *   and a regular chain L/drop (L/accept for the whitelist) with one rule per kernel set. A
 *   kernel set and its rule are made in one transaction; every rebuild of a chain is checked
 *   against the layout after it (nft-chains.ts). The chain names are the record of which
 *   logical sets Watcher has.
 * - The base chain `input` (hook input, priority filter - 10: ahead of the host's filter
 *   chains) returns for loopback and this machine's own addresses, then jumps to the
 *   whitelist's chain (accept), then to each DROP set's chain: standard sets in their order,
 *   the others by name. It is rebuilt whole inside the transaction that adds a set, so it is
 *   never missing a rule and running ensure() twice lists the same ruleset.
 * - An accept in Watcher's chain means "Watcher does not drop it": the host's own chains on the
 *   same hook still judge the packet.
 */
function checkName(name: string): void {
  if (!isSetName(name)) throw new WatcherError(`'${name}' is not a valid set name (a letter, then letters, digits, _ . -; at most 24)`, EX_DATAERR);
  if (isReserved(name)) throw new WatcherError(`'${name}' is a set Watcher keeps for itself`, EX_DATAERR);
}

// The lines that bring the own set to this machine's addresses now, by difference (never empty meanwhile).
async function ownLines(kernels: Map<string, KernelSet[]>): Promise<string[]> {
  const had = new Map<string, KernelSet>();
  for (const k of kernelsOf(kernels, OWN)) for (const e of await readSet(k.kernel)) had.set(e.text, k);
  const lines: string[] = [];
  const now = new Set<string>();
  for (const n of ownNets()) {
    if (now.has(n.text)) continue;
    now.add(n.text);
    const k = kernelOf(OWN, n);
    layoutAdd(kernels, k);
    if (!had.has(n.text)) lines.push(addSetLine(k), `add element ${T} ${k.kernel} { ${memberText(n)} }`);
  }
  for (const [text, k] of had) if (!now.has(text)) lines.push(`delete element ${T} ${k.kernel} { ${elementText(memberText({ text }))} }`);
  return [...kernelsOf(kernels, OWN).map(addSetLine), ...lines];
}

/** Open the nftables firewall; set changes are serialised like the iptables backend's. */
export function openNftFirewall(): Firewall {
  const ensured = new Set<string>();
  const serial = serialQueue();
  const ensureMany = (logicals: readonly string[], all: boolean) => serial(async () => {
    const todo = logicals.filter((l) => all || !ensured.has(l));
    if (todo.length === 0) return;
    const { sets } = await readChains();
    const names = all ? [...new Set([...sets, ...todo])] : todo;
    await rebuildChains(async (layout, kernels) => {
      const lines = [`add table ${T}`];
      const moved = all ? await migrationLines(layout, kernels) : { lines: [], after: [] };
      lines.push(...moved.lines);
      if (all) lines.push(...await ownLines(kernels));
      // A set with neither chain nor kernel sets yet is new: it records 0 entries.
      for (const l of names) lines.push(...setLines(l, kernels, !sets.includes(l) && !layout.kernels.has(l) && !layout.others.some((o) => o.startsWith(`${l}/`))));
      return [...lines, ...inputLines([...sets, ...todo], kernels), ...moved.after];
    }, () => names);
    for (const l of todo) ensured.add(l);
  });
  const sets = async () => (await readChains()).sets.filter((s) => !isReserved(s));

  const fw: Firewall = {
    name: 'nftables',
    async ensure(also = []) {
      also.forEach(checkName);
      await ensureMany([...new Set([...STANDARD_SETS, ...also])], true);
    },
    countsAtOnce: false,
    async ensureSet(name) { checkName(name); await ensureMany([name], false); },
    async ensureSets(names) { names.forEach(checkName); await ensureMany(names, false); },
    // Watcher's table holds no set of another program: only the names it keeps for itself.
    foreign: async () => new Set([REGISTRY, OWN]),
    loader: (flushload) => openNftLoader(fw, flushload),
    sets: async () => chainOrder(await sets()),
    async list(name) {
      const read = await Promise.all(kernelsOf((await readLayout()).kernels, name).map(({ kernel }) => readSet(kernel)));
      return read.flat().map((e) => e.text);
    },
    // A set's count as its last load recorded it; live sets (and one without a record) are read back.
    async counts({ only, known: given } = {}) {
      const { sets: all, counts: known } = await readChains();
      const order = chainOrder(all).filter((s) => !only || only.includes(s));
      const read = (s: string) => !given?.has(s) && (known.get(s) === undefined || (LIVE_SETS as readonly string[]).includes(s));
      // The kernel sets are listed only when a set is read (after a FillFW, none is).
      const { kernels } = order.some(read) ? await readLayout() : { kernels: new Map<string, KernelSet[]>() };
      const sizes = await Promise.all(order.map(async (s) => read(s)
        ? (await Promise.all(kernelsOf(kernels, s).map(({ kernel }) => readSet(kernel)))).reduce((a, l) => a + l.length, 0)
        : given?.get(s) ?? known.get(s) ?? 0));
      return new Map(order.map((s, i) => [s, sizes[i]]));
    },
    channel: () => openNftChannel(),
    async destroy() {
      ensured.clear();
      await nft(`add table ${T}\ndelete table ${T}\n`);
    },
  };
  return fw;
}
