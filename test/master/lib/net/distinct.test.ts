// Distinct addresses of a load, counted as a Set of their texts would count them.
import { describe, expect, it } from 'vitest';
import { DistinctAddresses } from '../../../../master/lib/net/distinct.js';

describe('DistinctAddresses', () => {
  it('counts each IPv4 number and each other text once, through every growth of its table', () => {
    const d = new DistinctAddresses();
    const want = new Set<string>();
    // Neighbours, strides that collide in a multiplicative hash, the extremes 0 and 2^32-1, repeats.
    const values = [0, 0xffffffff, 1, 0x80000000];
    for (let i = 0; i < 50_000; i++) values.push(i * 4096, (i * 2654435761) >>> 0, 0x0a000000 + (i % 7000));
    for (const v of values) { d.add(String(v), v); want.add(`4:${v}`); }
    for (const t of ['2001:db8::1', '2001:db8::1', '2001:db8::/64']) { d.add(t); want.add(`6:${t}`); }
    expect(d.size).toBe(want.size);
    const again = d.size;
    for (const v of values.slice(0, 1000)) d.add(String(v), v);
    expect(d.size).toBe(again);
  });
});
