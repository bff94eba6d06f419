// The nftables backend: Watcher's own table (inet watcher), four sets per logical set, its chains.
import { WatcherError, EX_DATAERR } from '../core/exit.js';
import { ownNets } from '../net/address.js';
import { isReserved, OWN, REGISTRY } from './ipset-names.js';
import { addSetLine, chainName, elementText, INPUT_CHAIN, isHost, nftName, nftNames, PRIORITY, setRules } from './nft-names.js';
import { nft, readChains, readSet, T } from './nft-read.js';
import { openNftChannel } from './nft-channel.js';
import { openNftLoader } from './nft-loader.js';
import { isSetName, LIVE_SETS, STANDARD_SETS, type Firewall } from './types.js';

/**
 * Invariants:
 * - Everything lives in the table `inet watcher`; nothing of another table is read or changed,
 *   and `full` deletes that table alone. Sets of other programs cannot meet Watcher's.
 * - A logical set L is four kernel sets (L/ip, L/net, L/ip6, L/net6: see nft-names.ts) and a
 *   regular chain L/drop (L/accept for the whitelist) that matches them. The chain names are
 *   the record of which sets Watcher has.
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

/** Rule order of the input chain: the whitelist, the standard sets, then the others by name. */
export function chainOrder(sets: Iterable<string>): string[] {
  const rank = (s: string) => { const i = (STANDARD_SETS as readonly string[]).indexOf(s); return i < 0 ? STANDARD_SETS.length : i; };
  return [...new Set(sets)].filter((s) => !isReserved(s)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The transaction lines that (re)build the input chain over these logical sets. */
export function inputLines(sets: Iterable<string>): string[] {
  const rule = (r: string) => `add rule ${T} ${INPUT_CHAIN} ${r}`;
  return [
    `add chain ${T} ${INPUT_CHAIN} { type filter hook input priority ${PRIORITY}; policy accept; }`,
    `flush chain ${T} ${INPUT_CHAIN}`,
    rule('iifname "lo" return'),
    ...setRules(OWN, 'return').map(rule),
    ...chainOrder(sets).map((s) => rule(`jump ${chainName(s)}`)),
  ];
}

/** The lines that make a logical set's four kernel sets and its chain exist, its rules as they should be. */
export function setLines(logical: string): string[] {
  const chain = chainName(logical);
  return [
    ...nftNames(logical).map(({ kernel, family, net }) => addSetLine(logical, kernel, family, net)),
    `add chain ${T} ${chain}`, `flush chain ${T} ${chain}`,
    ...setRules(logical).map((r) => `add rule ${T} ${chain} ${r}`),
  ];
}

// The lines that bring the own set to this machine's addresses now, by difference (never empty meanwhile).
async function ownLines(): Promise<string[]> {
  const had = new Map<string, string>();
  for (const { kernel } of nftNames(OWN)) for (const e of await readSet(kernel)) had.set(e.text, kernel);
  const lines = nftNames(OWN).map(({ kernel, family, net }) => addSetLine(OWN, kernel, family, net));
  const now = new Set<string>();
  for (const n of ownNets()) {
    if (now.has(n.text)) continue;
    now.add(n.text);
    if (!had.has(n.text)) lines.push(`add element ${T} ${nftName(OWN, n.family, !isHost(n))} { ${n.text} }`);
  }
  for (const [text, kernel] of had) if (!now.has(text)) lines.push(`delete element ${T} ${kernel} { ${elementText(text)} }`);
  return lines;
}

/** Open the nftables firewall; set changes are serialised like the iptables backend's. */
export function openNftFirewall(): Firewall {
  const ensured = new Set<string>();
  // Entry counts of the sets this process loaded and has not changed since: reading a set back
  // costs the kernel a dump of every element, seconds for a few 100k.
  const known = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const p = queue.then(job);
    queue = p.catch(() => undefined);
    return p;
  };
  const ensureMany = (logicals: readonly string[], all: boolean) => serial(async () => {
    const todo = logicals.filter((l) => all || !ensured.has(l));
    if (todo.length === 0) return;
    const { sets } = await readChains();
    const lines = [`add table ${T}`];
    if (all) lines.push(...await ownLines());
    for (const l of all ? new Set([...sets, ...todo]) : todo) lines.push(...setLines(l));
    lines.push(...inputLines([...sets, ...todo]));
    await nft(lines.join('\n') + '\n');
    for (const l of todo) ensured.add(l);
  });
  const sets = async () => (await readChains()).sets.filter((s) => !isReserved(s));

  const fw: Firewall = {
    name: 'nftables',
    ensure: () => ensureMany(STANDARD_SETS, true),
    async ensureSet(name) { checkName(name); await ensureMany([name], false); },
    async ensureSets(names) { names.forEach(checkName); await ensureMany(names, false); },
    // Watcher's table holds no set of another program: only the names it keeps for itself.
    foreign: async () => new Set([REGISTRY, OWN]),
    loader: (flushload) => openNftLoader(fw, flushload, (counts) => { for (const [set, n] of counts) known.set(set, n); }),
    sets: async () => chainOrder(await sets()),
    async list(name) {
      const out: string[] = [];
      for (const { kernel } of nftNames(name)) for (const e of await readSet(kernel)) out.push(e.text);
      return out;
    },
    async counts() {
      const counts = new Map<string, number>();
      for (const s of chainOrder(await sets())) {
        let n = known.get(s);
        if (n === undefined || (LIVE_SETS as readonly string[]).includes(s)) {
          n = 0;
          for (const { kernel } of nftNames(s)) n += (await readSet(kernel)).length;
        }
        counts.set(s, n);
      }
      return counts;
    },
    channel: () => openNftChannel((set) => known.delete(set)),
    async destroy() {
      ensured.clear();
      known.clear();
      await nft(`add table ${T}\ndelete table ${T}\n`);
    },
  };
  return fw;
}
