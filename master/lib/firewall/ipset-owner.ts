// Which ipsets are Watcher's: the registry set `watcher-sets` names every kernel set Watcher made.
import { ownNets } from '../net/address.js';
import { run } from '../core/runner.js';
import { EX_SOFTWARE, WatcherError } from '../core/exit.js';
import type { Family } from '../net/address.js';
import { readChain } from './iptables.js';
import { createLine, kernelName, newName, OWN, REGISTRY } from './ipset-names.js';

/**
 * Invariants:
 * - Every kernel set Watcher creates (both families, the own set) is added to the list:set
 *   `watcher-sets` in the same `ipset restore` run that creates it. The registry lives in the
 *   kernel, so it goes with a reboot or a network namespace exactly like the sets it names.
 * - A set that exists and is not registered belongs to another program: Watcher never fills,
 *   swaps, flushes or destroys it, and a Loadfile naming it is refused.
 * - A registered set cannot be destroyed (the list:set holds a reference): destroy() takes it
 *   out of the registry first and puts it back when it cannot be destroyed.
 * - No registry yet but Watcher's chain exists (an installation from before the registry):
 *   the sets the chain names are adopted, i.e. registered on the next ensure.
 */
export interface Ownership { present: Set<string>; owned: Set<string> }

const FAMILIES: Family[] = [4, 6];

/** The kernel sets that exist, and those of them that are Watcher's. */
export async function readOwnership(): Promise<Ownership> {
  // Both asked at once: the registry's members are only taken when the names show it exists.
  const [names, registry] = await Promise.all([run('ipset', ['list', '-n']), run('ipset', ['list', REGISTRY], { allowFail: true })]);
  const present = new Set(names.stdout.split('\n').filter(Boolean));
  const owned = new Set<string>();
  if (present.has(REGISTRY)) {
    if (registry.exitCode !== 0) throw new WatcherError(`ipset list ${REGISTRY}: exit ${registry.exitCode}: ${registry.stderr.trim().split('\n').slice(0, 5).join('; ')}`, EX_SOFTWARE);
    const out = registry.stdout;
    for (const name of out.slice(out.indexOf('Members:\n') + 9).split('\n')) if (name.trim()) owned.add(name.trim());
  } else {
    for (const f of FAMILIES) for (const k of (await readChain(f)) ?? []) if (present.has(k)) owned.add(k);
  }
  return { present, owned };
}

/** The logical set exists in the kernel (either family) and is not Watcher's. */
export function isForeign(o: Ownership, logical: string): boolean {
  return FAMILIES.some((f) => o.present.has(kernelName(logical, f)) && !o.owned.has(kernelName(logical, f)));
}

/** The entries of the own set now (both families), to refresh it by difference. */
export async function readOwn(o: Ownership): Promise<Set<string>> {
  const out = new Set<string>();
  const kernels = FAMILIES.map((f) => kernelName(OWN, f)).filter((k) => o.present.has(k));
  const saved = await Promise.all(kernels.map((k) => run('ipset', ['save', k])));
  kernels.forEach((k, i) => { for (const line of saved[i].stdout.split('\n')) if (line.startsWith(`add ${k} `)) out.add(line.split(' ')[2]); });
  return out;
}

/**
 * The restore lines that make the logical sets exist and registered (the registry itself, the
 * sets missing, every set registered) and, given the own set's current entries, bring it to
 * this machine's current addresses: adds and deletes by difference (with -exist), so two
 * programs refreshing it at once cannot disturb each other and it is never empty meanwhile.
 */
export function ensureLines(o: Ownership, logicals: readonly string[], own?: Set<string>): string[] {
  const lines: string[] = [];
  if (!o.present.has(REGISTRY)) lines.push(`create ${REGISTRY} list:set size 65536`);
  for (const l of [OWN, ...logicals]) {
    for (const f of FAMILIES) {
      const k = kernelName(l, f);
      if (!o.present.has(k)) lines.push(createLine(l, k, f));
      if (!o.owned.has(k)) lines.push(`add ${REGISTRY} ${k}`);
    }
  }
  for (const k of o.owned) if (!o.present.has(REGISTRY)) lines.push(`add ${REGISTRY} ${k}`);
  if (own) {
    const now = new Map(ownNets().map((n) => [n.text, n.family] as const));
    for (const [text, f] of now) if (!own.has(text)) lines.push(`add ${kernelName(OWN, f)} ${text}`);
    for (const text of own) if (!now.has(text)) lines.push(`del ${kernelName(OWN, text.includes(':') ? 6 : 4)} ${text}`);
  }
  return lines;
}

/**
 * Destroy every registered set (and a leftover `-new` copy of it), then the registry. A set
 * that cannot be destroyed (another program's rule uses it) is emptied and stays registered,
 * so the next start reuses it. Returns one line per set kept, with the kernel's reason.
 */
export async function destroyOwned(o: Ownership): Promise<string[]> {
  const mine = [...o.owned].filter((k) => o.present.has(k));
  if (!o.present.has(REGISTRY)) {
    // Adopted sets: registered first, so that one kept stays Watcher's.
    const lines = [`create ${REGISTRY} list:set size 65536`, ...mine.map((k) => `add ${REGISTRY} ${k}`)];
    await run('ipset', ['-exist', 'restore'], { input: lines.join('\n') + '\n' });
  }
  const kept: string[] = [];
  for (const k of mine) {
    await run('ipset', ['-exist', 'del', REGISTRY, k]);
    const r = await run('ipset', ['destroy', k], { allowFail: true });
    if (r.exitCode !== 0) {
      await run('ipset', ['flush', k]);
      await run('ipset', ['-exist', 'add', REGISTRY, k]);
      kept.push(`${k}: ${r.stderr.trim().replace(/^ipset v[\d.]+: /, '')}`);
    }
    if (o.present.has(newName(k))) await run('ipset', ['destroy', newName(k)], { allowFail: true });
  }
  if (kept.length === 0) await run('ipset', ['destroy', REGISTRY]);
  return kept;
}
