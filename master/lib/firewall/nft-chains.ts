// Watcher's chains in its nftables table: the input chain, a chain per set, counts on them.
import { isReserved, OWN } from './ipset-names.js';
import { addSetLine, chainName, INPUT_CHAIN, nftNames, PRIORITY, setRules } from './nft-names.js';
import { nft, readChains, T } from './nft-read.js';
import { STANDARD_SETS } from './types.js';

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

/**
 * The lines that record entry counts on set chains (`comment "entries N"`; undefined: none, the
 * set is read back when counted). A chain's comment cannot be changed, so the chain is made
 * again inside the transaction, with the input chain that jumps to it: no packet sees either
 * missing. `all` names every logical set (the input chain is rebuilt over them).
 */
export function countLines(counts: ReadonlyMap<string, number | undefined>, all: Iterable<string>): string[] {
  const lines = [`flush chain ${T} ${INPUT_CHAIN}`];
  for (const [set, n] of counts) {
    const chain = chainName(set);
    lines.push(`delete chain ${T} ${chain}`, `add chain ${T} ${chain}${n === undefined ? '' : ` { comment "entries ${n}"; }`}`);
    lines.push(...setRules(set).map((r) => `add rule ${T} ${chain} ${r}`));
  }
  return [...lines, ...inputLines(all)];
}

/** Forget the recorded counts of these sets (changed behind the load: a channel's add or delete). */
export async function forgetCounts(sets: readonly string[]): Promise<void> {
  if (sets.length === 0) return;
  const { sets: all } = await readChains();
  const mine = sets.filter((s) => all.includes(s));
  if (mine.length) await nft(countLines(new Map(mine.map((s) => [s, undefined])), all).join('\n') + '\n');
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

