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

/** The kernel sets referenced by Watcher's chain in rule order; undefined when there is no chain. */
export async function readChain(family: Family): Promise<string[] | undefined> {
  const r = await run(tablesProgram(family), ['-w', '-S', CHAIN], { allowFail: true });
  if (r.exitCode !== 0) return undefined;
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^-A \S+ .*--match-set (\S+) src/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/**
 * Make sure the chain exists, is jumped to from INPUT, and has a rule for each wanted set:
 * the whitelist's ACCEPT is inserted first, every other set's DROP appended. Rules already
 * there are left alone, so running it twice changes nothing.
 */
export async function ensureRules(family: Family, wanted: { logical: string; kernel: string }[]): Promise<void> {
  const bin = tablesProgram(family);
  let present = await readChain(family);
  if (present === undefined) {
    await run(bin, ['-w', '-N', CHAIN]);
    present = [];
  }
  for (const { logical, kernel } of wanted) {
    if (present.includes(kernel)) continue;
    const where = setInfo(logical).verdict === 'ACCEPT' ? ['-I', CHAIN, '1'] : ['-A', CHAIN];
    await run(bin, ['-w', ...where, ...ruleOf(logical, kernel)]);
    present.push(kernel);
  }
  const jump = await run(bin, ['-w', '-C', 'INPUT', '-j', CHAIN], { allowFail: true });
  if (jump.exitCode !== 0) await run(bin, ['-w', '-I', 'INPUT', '1', '-j', CHAIN]);
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
