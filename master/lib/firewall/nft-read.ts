// Reading Watcher's nftables table: the logical sets (from the chain names) and a set's elements.
import { run } from '../core/runner.js';
import { parseNet, type Net } from '../net/address.js';
import { INPUT_CHAIN, nftLogical, TABLE } from './nft-names.js';

/** The table's command prefix in nft's syntax. */
export const T = `inet ${TABLE}`;

/** Run one nft transaction from text; a refusal throws with nft's words unless allowFail. */
export function nft(input: string, allowFail = false) {
  return run('nft', ['-f', '-'], { input, allowFail });
}

interface JsonChain { chain?: { family: string; table: string; name: string } }

/**
 * The logical sets Watcher has, from the names of its set chains (`blacklist/drop`), and
 * whether the input chain exists. `nft list chains` reads no set elements, so it stays fast
 * with millions of entries loaded (listing a chain's rules would read every set).
 */
export async function readChains(): Promise<{ sets: string[]; input: boolean }> {
  const r = await run('nft', ['-j', 'list', 'chains', 'inet']);
  const sets: string[] = [];
  let input = false;
  for (const o of (JSON.parse(r.stdout) as { nftables: JsonChain[] }).nftables) {
    if (!o.chain || o.chain.table !== TABLE) continue;
    if (o.chain.name === INPUT_CHAIN) input = true;
    const l = nftLogical(o.chain.name);
    if (l !== undefined) sets.push(l);
  }
  return { sets, input };
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

/** The elements of one kernel set (a missing set has none). */
export async function readSet(kernel: string): Promise<Element[]> {
  const r = await run('nft', ['-j', 'list', 'set', 'inet', TABLE, kernel], { allowFail: true });
  if (r.exitCode !== 0) return [];
  const out: Element[] = [];
  for (const o of (JSON.parse(r.stdout) as { nftables: { set?: { elem?: JsonElem[] } }[] }).nftables) {
    for (const e of o.set?.elem ?? []) {
      const inner = typeof e === 'object' && 'elem' in e ? e.elem : undefined;
      const n = parseNet(valueText(inner ? inner.val : (e as JsonValue)));
      if (n) out.push({ net: n, text: n.text, expires: inner?.expires, comment: inner?.comment });
    }
  }
  return out;
}
