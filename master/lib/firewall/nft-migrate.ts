// Interval sets of an older layout (`custody/net`, `custody/net6`) moved into the prefix sets.
import { elementText, kernelOf, memberText, addSetLine, type KernelSet } from './nft-names.js';
import { layoutAdd, readSet, T, type Layout } from './nft-read.js';

const LEGACY = /^([^/]+)\/net6?$/;

/**
 * The lines that copy the elements of each legacy interval set into the prefix set of its
 * length (timeouts left and comments kept), and, to come after the chains no longer name it,
 * the line that deletes it. Run inside the transaction that rebuilds the chains: no moment
 * without either. `kernels` gets the prefix sets made.
 */
export async function migrationLines(layout: Layout, kernels: Map<string, KernelSet[]>): Promise<{ lines: string[]; after: string[] }> {
  const lines: string[] = [];
  const after: string[] = [];
  for (const name of layout.others) {
    const m = LEGACY.exec(name);
    if (!m) continue;
    const made = new Set<string>();
    for (const e of await readSet(name)) {
      const k = kernelOf(m[1], e.net);
      layoutAdd(kernels, k);
      if (!made.has(k.kernel)) { made.add(k.kernel); lines.push(addSetLine(k)); }
      const timeout = e.expires === undefined ? undefined : Math.max(1, Math.ceil(e.expires));
      lines.push(`add element ${T} ${k.kernel} { ${elementText(memberText(e.net), timeout, e.comment)} }`);
    }
    after.push(`delete set ${T} ${name}`);
  }
  return { lines, after };
}
