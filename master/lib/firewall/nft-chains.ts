// Watcher's chains in its nftables table: the input chain, a chain per set, counts on them.
import { isReserved, OWN } from './ipset-names.js';
import { addSetLine, chainName, INPUT_CHAIN, PRIORITY, setRules, type KernelSet } from './nft-names.js';
import { kernelsOf, nft, readChains, readLayout, T, type Layout } from './nft-read.js';
import { STANDARD_SETS } from './types.js';

type Kernels = ReadonlyMap<string, KernelSet[]>;

/** Rule order of the input chain: the whitelist, the standard sets, then the others by name. */
export function chainOrder(sets: Iterable<string>): string[] {
  const rank = (s: string) => { const i = (STANDARD_SETS as readonly string[]).indexOf(s); return i < 0 ? STANDARD_SETS.length : i; };
  return [...new Set(sets)].filter((s) => !isReserved(s)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The transaction lines that (re)build the input chain over these logical sets. */
export function inputLines(sets: Iterable<string>, kernels: Kernels): string[] {
  const rule = (r: string) => `add rule ${T} ${INPUT_CHAIN} ${r}`;
  return [
    `add chain ${T} ${INPUT_CHAIN} { type filter hook input priority ${PRIORITY}; policy accept; }`,
    `flush chain ${T} ${INPUT_CHAIN}`,
    rule('iifname "lo" return'),
    ...setRules(kernelsOf(kernels, OWN), 'return').map(rule),
    ...chainOrder(sets).map((s) => rule(`jump ${chainName(s)}`)),
  ];
}

/**
 * The lines that record entry counts on set chains (`comment "entries N"`; undefined: none, the
 * set is read back when counted). A chain's comment cannot be changed, so the chain is made
 * again inside the transaction, with the input chain that jumps to it: no packet sees either
 * missing. `all` names every logical set (the input chain is rebuilt over them).
 */
export function countLines(counts: ReadonlyMap<string, number | undefined>, all: Iterable<string>, kernels: Kernels): string[] {
  const lines = [`flush chain ${T} ${INPUT_CHAIN}`];
  for (const [set, n] of counts) lines.push(...chainCountLines(set, n, kernels));
  return [...lines, ...inputLines(all, kernels)];
}

/**
 * One set's part of countLines(): its chain made again with its count and its rules (after the
 * input chain's flush). `between` goes between the chain's removal and its making again, while
 * no rule names the set's kernel sets (a load makes them again there).
 */
export function chainCountLines(set: string, n: number | undefined, kernels: Kernels, between: readonly string[] = []): string[] {
  const chain = chainName(set);
  return [
    `delete chain ${T} ${chain}`, ...between, `add chain ${T} ${chain}${n === undefined ? '' : ` { comment "entries ${n}"; }`}`,
    ...setRules(kernelsOf(kernels, set)).map((r) => `add rule ${T} ${chain} ${r}`),
  ];
}

/**
 * The lines that make a logical set's kernel sets and its chain exist, its rules as they should
 * be. A set made now (`fresh`) records its count, 0, so that counting it reads nothing back.
 */
export function setLines(logical: string, kernels: Kernels, fresh = false): string[] {
  const chain = chainName(logical);
  const mine = kernelsOf(kernels, logical);
  return [
    ...mine.map(addSetLine),
    `add chain ${T} ${chain}${fresh ? ' { comment "entries 0"; }' : ''}`, `flush chain ${T} ${chain}`,
    ...setRules(mine).map((r) => `add rule ${T} ${chain} ${r}`),
  ];
}

/** Kernel sets of these logical sets in `now` that `built` did not have (made meanwhile by a channel). */
export function missedKernels(built: Kernels, now: Kernels, logicals: Iterable<string>): string[] {
  const out: string[] = [];
  for (const l of logicals) {
    const had = new Set(kernelsOf(built, l).map((k) => k.kernel));
    if (kernelsOf(now, l).some((k) => !had.has(k.kernel))) out.push(l);
  }
  return out;
}

/** How often chains are rebuilt while channels keep making prefix sets under them. */
const ROUNDS = 5;

/**
 * Rebuild chains from the table's layout, as often as needed: a channel makes a prefix set and
 * its rule in one transaction of its own, so a rebuild from a layout read before it would leave
 * that rule out; a layout read after the commit shows it, and the chains are built again.
 * `build` gets a copy of the layout's kernel sets, adds those its lines make, and returns the
 * lines; `logicals` are the sets whose chains it rebuilds (the own set's rules sit in the input chain).
 */
export async function rebuildChains(build: (layout: Layout, kernels: Map<string, KernelSet[]>) => Promise<string[]>, logicals: () => Iterable<string>): Promise<void> {
  let layout = await readLayout();
  for (let round = 0; round < ROUNDS; round++) {
    const kernels = new Map([...layout.kernels].map(([l, ks]) => [l, [...ks]]));
    await nft((await build(layout, kernels)).join('\n') + '\n');
    const now = await readLayout();
    if (missedKernels(kernels, now.kernels, [...logicals(), OWN]).length === 0) return;
    layout = now;
  }
}

/** Forget the recorded counts of these sets (changed behind the load: a channel's add or delete). */
export async function forgetCounts(sets: readonly string[]): Promise<void> {
  if (sets.length === 0) return;
  const { sets: all } = await readChains();
  const mine = sets.filter((s) => all.includes(s));
  if (mine.length === 0) return;
  await rebuildChains(async (_, kernels) => countLines(new Map(mine.map((s) => [s, undefined])), all, kernels), () => mine);
}
