// Watcher's chain in iptables and ip6tables: the INPUT jump and one match-set rule per set.
import type { Family } from '../net/address.js';
import { run } from '../core/runner.js';
import { CHAIN, setInfo } from './types.js';
import { kernelName, OWN } from './ipset-names.js';

/** The program that manages the rules of a family. */
export function tablesProgram(family: Family): 'iptables' | 'ip6tables' {
  return family === 4 ? 'iptables' : 'ip6tables';
}

/** The rule of a kernel set in Watcher's chain, as iptables -S prints it (without -A CHAIN). */
export function ruleOf(logical: string, kernelSet: string): string[] {
  return ['-m', 'set', '--match-set', kernelSet, 'src', '-j', setInfo(logical).verdict];
}

interface ChainState { exists: boolean; input: string[]; rules: string[]; sets: string[] }

// Read the filter table once: the INPUT rules, Watcher's chain and its rules, the sets it names.
async function readTable(family: Family): Promise<ChainState> {
  const r = await run(tablesProgram(family), ['-w', '-S']);
  const state: ChainState = { exists: false, input: [], rules: [], sets: [] };
  for (const line of r.stdout.split('\n')) {
    if (line === `-N ${CHAIN}`) state.exists = true;
    else if (line.startsWith('-A INPUT ')) state.input.push(line.slice('-A INPUT '.length));
    else if (line.startsWith(`-A ${CHAIN} `)) {
      state.rules.push(line.slice(`-A ${CHAIN} `.length));
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

/** The rules that open Watcher's chain: loopback and this machine's own addresses are never dropped. */
export function headRules(family: Family): string[] {
  return ['-i lo -j RETURN', `-m set --match-set ${kernelName(OWN, family)} src -j RETURN`];
}

/**
 * Make sure the chain exists and opens with the head rules (loopback, own addresses: RETURN),
 * that the jump to it is the first rule of INPUT, and that each wanted set has its rule: the
 * whitelist's ACCEPT right after the head, every other set's DROP appended. What is missing
 * or out of place is fixed in one `iptables-restore --noflush` (atomic: no moment without the
 * jump); what is right is left alone, so running it twice changes nothing.
 */
export async function ensureRules(family: Family, wanted: { logical: string; kernel: string }[]): Promise<void> {
  const t = await readTable(family);
  const lines: string[] = [];
  if (!t.exists) lines.push(`:${CHAIN} - [0:0]`);
  const head = headRules(family);
  if (head.some((rule, i) => t.rules[i] !== rule)) {
    for (const rule of head) for (const had of t.rules) if (had === rule) lines.push(`-D ${CHAIN} ${rule}`);
    head.forEach((rule, i) => lines.push(`-I ${CHAIN} ${i + 1} ${rule}`));
  }
  for (const { logical, kernel } of wanted) {
    if (t.sets.includes(kernel)) continue;
    const where = setInfo(logical).verdict === 'ACCEPT' ? `-I ${CHAIN} ${head.length + 1}` : `-A ${CHAIN}`;
    lines.push(`${where} ${ruleOf(logical, kernel).join(' ')}`);
    t.sets.push(kernel);
  }
  const jump = `-j ${CHAIN}`;
  if (t.input[0] !== jump) {
    for (const had of t.input) if (had === jump) lines.push(`-D INPUT ${jump}`);
    lines.push(`-I INPUT 1 ${jump}`);
  }
  if (lines.length === 0) return;
  await run(`${tablesProgram(family)}-restore`, ['-w', '--noflush'], { input: ['*filter', ...lines, 'COMMIT', ''].join('\n') });
}

/** Remove the INPUT jump and the chain of a family; returns the kernel sets it referenced. */
export async function removeChain(family: Family): Promise<string[]> {
  const bin = tablesProgram(family);
  const t = await readTable(family);
  if (!t.exists) return [];
  for (let i = 0; i < 100; i++) {
    const r = await run(bin, ['-w', '-D', 'INPUT', '-j', CHAIN], { allowFail: true });
    if (r.exitCode !== 0) break;
  }
  await run(bin, ['-w', '-F', CHAIN]);
  await run(bin, ['-w', '-X', CHAIN]);
  return t.sets;
}
