// The nftables backend: Watcher's own table (inet watcher), four sets per logical set, its chains.
import { WatcherError, EX_DATAERR } from '../core/exit.js';
import { ownNets } from '../net/address.js';
import { isReserved, OWN, REGISTRY } from './ipset-names.js';
import { addSetLine, elementText, isHost, nftName, nftNames } from './nft-names.js';
import { chainOrder, inputLines, setLines } from './nft-chains.js';
import { nft, readChains, readSet, T } from './nft-read.js';
import { openNftChannel } from './nft-channel.js';
import { openNftLoader } from './nft-loader.js';
import { serialQueue } from './serial.js';
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
  const serial = serialQueue();
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
    loader: (flushload) => openNftLoader(fw, flushload),
    sets: async () => chainOrder(await sets()),
    async list(name) {
      const out: string[] = [];
      for (const { kernel } of nftNames(name)) for (const e of await readSet(kernel)) out.push(e.text);
      return out;
    },
    // A set's count as its last load recorded it; live sets (and one without a record) are read back.
    async counts() {
      const counts = new Map<string, number>();
      const { sets: all, counts: known } = await readChains();
      for (const s of chainOrder(all)) {
        let n = known.get(s);
        if (n === undefined || (LIVE_SETS as readonly string[]).includes(s)) {
          n = 0;
          for (const { kernel } of nftNames(s)) n += (await readSet(kernel)).length;
        }
        counts.set(s, n);
      }
      return counts;
    },
    channel: () => openNftChannel(),
    async destroy() {
      ensured.clear();
      await nft(`add table ${T}\ndelete table ${T}\n`);
    },
  };
  return fw;
}
