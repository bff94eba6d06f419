// Watcher's chain in iptables and ip6tables: the INPUT jump and one match-set rule per set.
import { run } from '../runner.js';
import { CHAIN, setInfo } from './types.js';

export type Family = 4 | 6;

/** The program that manages the rules of a family. */
export function tablesProgram(family: Family): 'iptables' | 'ip6tables' {
  return family === 4 ? 'iptables' : 'ip6tables';
}

/** The rule of a kernel set in Watcher's chain, as iptables -S prints it (without -A CHAIN). */
export function ruleOf(logical: string, kernelSet: string): string[] {
  return ['-m', 'set', '--match-set', kernelSet, 'src', '-j', setInfo(logical).verdict];
}

interface ChainState { exists: boolean; jumped: boolean; sets: string[] }

// Read the filter table once: does the chain exist, is it jumped to from INPUT, which sets it names.
async function readTable(family: Family): Promise<ChainState> {
  const r = await run(tablesProgram(family), ['-w', '-S']);
  const state: ChainState = { exists: false, jumped: false, sets: [] };
  for (const line of r.stdout.split('\n')) {
    if (line === `-N ${CHAIN}`) state.exists = true;
    else if (line === `-A INPUT -j ${CHAIN}`) state.jumped = true;
    else if (line.startsWith(`-A ${CHAIN} `)) {
      const m = /--match-set (\S+) src/.exec(line);
      if (m) state.sets.push(m[1]);
    }
  }
  return state;
}

/** The kernel sets referenced by Watcher's chain in rule order; undefined when there is no chain. */
export async function readChain(family: Family): Promise<string[] | undefined> {
  const t = await readTable(family);
  return t.exists ? t.sets : undefined;
}

/**
 * Make sure the chain exists, is jumped to from the top of INPUT, and has a rule for each
 * wanted set: the whitelist's ACCEPT is inserted first, every other set's DROP appended. What
 * is missing is added in one `iptables-restore --noflush`; what is there is left alone, so
 * running it twice changes nothing.
 */
export async function ensureRules(family: Family, wanted: { logical: string; kernel: string }[]): Promise<void> {
  const t = await readTable(family);
  const lines: string[] = [];
  if (!t.exists) lines.push(`:${CHAIN} - [0:0]`);
  for (const { logical, kernel } of wanted) {
    if (t.sets.includes(kernel)) continue;
    const where = setInfo(logical).verdict === 'ACCEPT' ? `-I ${CHAIN} 1` : `-A ${CHAIN}`;
    lines.push(`${where} ${ruleOf(logical, kernel).join(' ')}`);
    t.sets.push(kernel);
  }
  if (!t.jumped) lines.push(`-I INPUT 1 -j ${CHAIN}`);
  if (lines.length === 0) return;
  await run(`${tablesProgram(family)}-restore`, ['-w', '--noflush'], { input: ['*filter', ...lines, 'COMMIT', ''].join('\n') });
}

/** Remove the INPUT jump and the chain of a family; returns the kernel sets it referenced. */
export async function removeChain(family: Family): Promise<string[]> {
  const bin = tablesProgram(family);
  const sets = await readChain(family);
  if (sets === undefined) return [];
  for (let i = 0; i < 100; i++) {
    const r = await run(bin, ['-w', '-D', 'INPUT', '-j', CHAIN], { allowFail: true });
    if (r.exitCode !== 0) break;
  }
  await run(bin, ['-w', '-F', CHAIN]);
  await run(bin, ['-w', '-X', CHAIN]);
  return sets;
}
