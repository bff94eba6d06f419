// The lines of one round of the nftables channel: what is queued, as few `nft -i` lines as can be.
import { chainName, elementText, isHost, setDecl, setRule, type KernelSet } from './nft-names.js';
import { T } from './nft-read.js';
import { setInfo } from './types.js';

/** The most elements one line carries: a line is one transaction, one netlink batch. */
export const LINE_ELEMENTS = 500;

/**
 * One checked add or delete of a member of a kernel set; `alone`: it goes on a line of its own;
 * `again`: it was in nft when nft ended, and is written once more.
 */
export interface NftOp { verb: 'add' | 'del'; k: KernelSet; member: string; timeout?: number; alone?: boolean; again?: boolean }

/** A line written to nft and the operations it carries (none: a set's creation). */
export interface NftLine { text: string; ops: NftOp[] }

const elements = (ops: readonly NftOp[], timeouts: boolean): string => ops.map((o) => (timeouts ? elementText(o.member, o.timeout) : o.member)).join(', ');

/** The line of ops of one kernel set and verb; a delete of many also adds them first, so none missing refuses the line. */
export function opsLine(verb: 'add' | 'del', kernel: string, ops: readonly NftOp[]): string {
  if (verb === 'add') return `add element ${T} ${kernel} { ${elements(ops, true)} }`;
  const del = `delete element ${T} ${kernel} { ${elements(ops, false)} }`;
  return ops.length === 1 ? del : `add element ${T} ${kernel} { ${elements(ops, false)} }; ${del}`;
}

/**
 * The lines of a round, in this order of effect:
 * - Each member keeps only the last operation queued for it (an add then a delete: absent; a
 *   delete then an add: present, with the last timeout, as the kernel updates it on a re-add),
 *   so no two lines of a round touch one element and their order does not matter.
 * - The first network of a prefix length not in `made` comes after the line that makes its set
 *   and rule (`create set ...; add rule ...`: refused as a whole where the set is there).
 * - The rest goes as one line per kernel set and verb, at most LINE_ELEMENTS elements a line;
 *   an `alone` op (a retry of a refused line) has a line of its own.
 */
export function formatRound(queue: readonly NftOp[], made: Set<string>): NftLine[] {
  const last = new Map<string, NftOp>();
  for (const op of queue) {
    const key = `${op.k.kernel} ${op.member}`;
    last.delete(key);
    last.set(key, op);
  }
  const out: NftLine[] = [];
  const groups = new Map<string, NftOp[]>();
  for (const op of last.values()) {
    if (op.verb === 'add' && !isHost(op.k) && !made.has(op.k.kernel)) {
      made.add(op.k.kernel);
      out.push({ text: `create set ${T} ${setDecl(op.k)}; add rule ${T} ${chainName(op.k.logical)} ${setRule(op.k, setInfo(op.k.logical).verdict.toLowerCase())}`, ops: [] });
    }
    if (op.alone) { out.push({ text: opsLine(op.verb, op.k.kernel, [op]), ops: [op] }); continue; }
    const g = `${op.verb} ${op.k.kernel}`;
    let ops = groups.get(g);
    if (!ops) groups.set(g, (ops = []));
    ops.push(op);
    if (ops.length === LINE_ELEMENTS) { out.push({ text: opsLine(op.verb, op.k.kernel, ops), ops }); groups.delete(g); }
  }
  for (const ops of groups.values()) out.push({ text: opsLine(ops[0].verb, ops[0].k.kernel, ops), ops });
  return out;
}
