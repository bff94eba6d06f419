// Reading Watcher's nftables table: the logical sets (from the chain names), its kernel sets, a set's elements.
import { run } from '../core/runner.js';
import { parseNet, type Net } from '../net/address.js';
import { entryText, hostSets, INPUT_CHAIN, nftLogical, parseKernel, TABLE, type KernelSet } from './nft-names.js';

/** The table's command prefix in nft's syntax. */
export const T = `inet ${TABLE}`;

/** Run one nft transaction from text; a refusal throws with nft's words unless allowFail. */
export function nft(input: string, allowFail = false) {
  return run('nft', ['-f', '-'], { input, allowFail });
}

/** The comment on a set chain that records its entry count (see nft.ts). */
export const COUNT = /^comment "entries (\d+)"$/;

/**
 * The logical sets Watcher has, from the names of its set chains (`blacklist/drop`), the entry
 * counts their comments record, and whether the input chain exists. `nft list chains` reads no
 * set elements, so it stays fast with millions of entries loaded (listing a set or a chain's
 * rules makes the kernel dump every element: seconds for a few 100k).
 */
export async function readChains(): Promise<{ sets: string[]; input: boolean; counts: Map<string, number> }> {
  const r = await run('nft', ['list', 'chains', 'inet']);
  const sets: string[] = [];
  const counts = new Map<string, number>();
  let input = false;
  let mine = false;
  let chain: string | undefined;
  for (const raw of r.stdout.split('\n')) {
    const line = raw.trim();
    const t = /^table inet (\S+) \{$/.exec(line);
    if (t) { mine = t[1] === TABLE; continue; }
    if (!mine) continue;
    const c = /^chain (\S+) \{$/.exec(line);
    if (c) {
      chain = c[1];
      if (chain === INPUT_CHAIN) input = true;
      const l = nftLogical(chain);
      if (l !== undefined) sets.push(l);
      continue;
    }
    const n = COUNT.exec(line);
    const l = chain === undefined ? undefined : nftLogical(chain);
    if (n && l !== undefined) counts.set(l, Number(n[1]));
  }
  return { sets, input, counts };
}

/** The kernel sets of Watcher's table by logical set, and the names of any other set in it. */
export interface Layout { kernels: Map<string, KernelSet[]>; others: string[] }

/**
 * The kernel sets in Watcher's table now. `nft -t list sets` reads no element (fast with
 * millions loaded). A logical set's two address sets are listed even before they exist.
 */
export async function readLayout(): Promise<Layout> {
  const r = await run('nft', ['-t', '-j', 'list', 'sets', 'inet']);
  const kernels = new Map<string, KernelSet[]>();
  const others: string[] = [];
  for (const o of (JSON.parse(r.stdout || '{"nftables":[]}') as { nftables: { set?: { name: string; table: string } }[] }).nftables) {
    if (!o.set || o.set.table !== TABLE) continue;
    const k = parseKernel(o.set.name);
    if (!k) { others.push(o.set.name); continue; }
    layoutAdd(kernels, k);
  }
  return { kernels, others };
}

/** Record a kernel set in a layout (with its logical set's address sets), once. */
export function layoutAdd(kernels: Map<string, KernelSet[]>, k: KernelSet): void {
  let list = kernels.get(k.logical);
  if (!list) kernels.set(k.logical, (list = hostSets(k.logical)));
  if (!list.some((x) => x.kernel === k.kernel)) list.push(k);
}

/** The kernel sets of a logical set in a layout: its address sets at least. */
export function kernelsOf(kernels: ReadonlyMap<string, KernelSet[]>, logical: string): KernelSet[] {
  return kernels.get(logical) ?? hostSets(logical);
}

type JsonValue = string | { prefix: { addr: string; len: number } } | { range: [string, string] };
type JsonElem = JsonValue | { elem: { val: JsonValue; timeout?: number; expires?: number; comment?: string } };

function valueText(v: JsonValue): string {
  if (typeof v === 'string') return v;
  if ('prefix' in v) return `${v.prefix.addr}/${v.prefix.len}`;
  return `${v.range[0]}-${v.range[1]}`;
}

/** One element of a set as read back: canonical address or CIDR, and its timeout left. */
export interface Element { net: Net; text: string; expires?: number; comment?: string }

/**
 * The elements of one kernel set (a missing set has none), as entries: a member of a prefix
 * set is read with its length. A set of another name is read as it lists (address or CIDR).
 */
export async function readSet(kernel: string): Promise<Element[]> {
  const r = await run('nft', ['-j', 'list', 'set', 'inet', TABLE, kernel], { allowFail: true });
  if (r.exitCode !== 0) return [];
  const k = parseKernel(kernel);
  const out: Element[] = [];
  for (const o of (JSON.parse(r.stdout) as { nftables: { set?: { elem?: JsonElem[] } }[] }).nftables) {
    for (const e of o.set?.elem ?? []) {
      const inner = typeof e === 'object' && 'elem' in e ? e.elem : undefined;
      const text = valueText(inner ? inner.val : (e as JsonValue));
      const n = parseNet(k ? entryText(k, text) : text);
      if (n) out.push({ net: n, text: n.text, expires: inner?.expires, comment: inner?.comment });
    }
  }
  return out;
}
