// The interval lookup of the entry check against the pairwise definition of an overlap, on many networks.
import { describe, expect, it } from 'vitest';
import { makeSpans } from '../../../../master/lib/dynload/spans.js';
import { netOf, type Net } from '../../../../master/lib/net/address.js';
import { maskV4, maskV6 } from '../../../../master/lib/net/ip.js';

// Two networks meet when the shorter prefix holds the other's base.
function meet(a: Net, b: Net): boolean {
  if (a.family !== b.family) return false;
  const q = Math.min(a.prefix, b.prefix);
  if (a.family === 4) return (((a.base as number) & maskV4(q)) >>> 0) === (((b.base as number) & maskV4(q)) >>> 0);
  return ((a.base as bigint) & maskV6(q)) === ((b.base as bigint) & maskV6(q));
}

// A fixed pseudo-random sequence (the same networks every run), in a /8 so that they often meet.
function* lcg(seed: number): Generator<number> { for (let x = seed; ;) { x = (x * 1103515245 + 12345) >>> 0; yield x; } }
function nets(n: number, seed: number): Net[] {
  const r = lcg(seed);
  const next = (): number => r.next().value as number;
  return Array.from({ length: n }, (_, i) => i % 2
    ? netOf(4, ((81 << 24) | (next() & 0xffffff)) >>> 0, 8 + (next() % 25))
    : netOf(6, (0x2a00n << 112n) | (BigInt(next() & 0xffff) << 96n) | BigInt(next()), 16 + (next() % 113)));
}

describe('makeSpans', () => {
  it('answers as the pairwise check for every entry, both families, nested and touching networks merged', () => {
    const list = nets(60, 7);
    const spans = makeSpans(list);
    const entries = nets(4000, 99);
    const expected = entries.map((e) => list.some((n) => meet(n, e)));
    expect(entries.map((e) => spans.overlaps(e))).toEqual(expected);
    // Both answers occur: the check is not vacuous.
    expect(new Set(expected)).toEqual(new Set([true, false]));
  });

  it('an empty list overlaps nothing; a /1 of each half covers every address of its family', () => {
    const e = nets(50, 3);
    expect(e.some((n) => makeSpans([]).overlaps(n))).toBe(false);
    const halves = makeSpans([netOf(4, 0, 1), netOf(4, 0x80000000, 1), netOf(6, 0n, 1), netOf(6, 1n << 127n, 1)]);
    expect(e.every((n) => halves.overlaps(n))).toBe(true);
  });
});
