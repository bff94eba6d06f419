// Networks in an nftables interval set may not overlap: nested ones are reduced to the widest.
import type { Net } from '../net/address.js';

// First and last address of a network: numbers for IPv4 (a million sort fast), bigints for IPv6.
function bounds(n: Net): [number | bigint, number | bigint] {
  if (n.family === 4) return [n.base as number, (n.base as number) + 2 ** (32 - n.prefix) - 1];
  const base = n.base as bigint;
  return [base, base + (1n << BigInt(128 - n.prefix)) - 1n];
}

/**
 * The networks of `nets` (one family) not inside another one of them (two CIDRs are either
 * disjoint or one holds the other), in address order, each once. An address matches the result
 * exactly when it matches the input: the set's union, which is what a DROP or the whitelist means.
 */
export function outermost<T extends { n: Net }>(nets: T[]): T[] {
  const sorted = nets.map((x) => ({ x, b: bounds(x.n) })).sort((a, b) => (a.b[0] < b.b[0] ? -1 : a.b[0] > b.b[0] ? 1 : a.x.n.prefix - b.x.n.prefix));
  const out: T[] = [];
  let end: number | bigint = -1;
  for (const { x, b } of sorted) {
    if (b[0] <= end) continue;
    out.push(x);
    end = b[1];
  }
  return out;
}

/**
 * What to change in a live interval set holding `present` so that it also holds `incoming`
 * (one family): an incoming network inside a present one is already covered (nothing to add);
 * one that holds present networks replaces them (they are deleted in the same transaction).
 */
export function mergeInto(present: Net[], incoming: Net[]): { del: Net[]; add: Net[] } {
  const tagged = [...present.map((n) => ({ n, old: true })), ...incoming.map((n) => ({ n, old: false }))];
  const keep = outermost(tagged);
  const kept = new Set(keep.filter((k) => k.old).map((k) => k.n.text));
  const seen = new Set(kept);
  const add: Net[] = [];
  for (const k of keep) if (!k.old && !seen.has(k.n.text)) { add.push(k.n); seen.add(k.n.text); }
  return { del: present.filter((n) => !kept.has(n.text)), add };
}
