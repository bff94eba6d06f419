// Nested networks reduced to the widest (an nftables interval set takes no overlap).
import { describe, expect, it } from 'vitest';
import { parseNet, type Net } from '../../../../master/lib/net/address.js';
import { mergeInto, outermost } from '../../../../master/lib/firewall/nft-nets.js';

const nets = (...s: string[]): Net[] => s.map((x) => parseNet(x) as Net);
const texts = (l: { n: Net }[] | Net[]): string[] => l.map((x) => ('n' in x ? x.n : x).text);

describe('outermost', () => {
  it('keeps the widest of nested networks, each once, in address order; disjoint and adjacent ones all stay', () => {
    const l = nets('10.1.0.0/16', '10.0.0.0/8', '10.0.0.0/8', '192.0.2.0/25', '192.0.2.128/25', '9.255.255.0/24', '10.255.255.0/24').map((n) => ({ n }));
    expect(texts(outermost(l))).toEqual(['9.255.255.0/24', '10.0.0.0/8', '192.0.2.0/25', '192.0.2.128/25']);
  });
  it('IPv6 the same way', () => {
    const l = nets('2001:db8:1:2::/64', '2001:db8::/32', '2001:db9::/64', '::/1').map((n) => ({ n }));
    expect(texts(outermost(l))).toEqual(['::/1']);
    expect(texts(outermost(nets('2001:db8:1:2::/64', '2001:db8:1:3::/64', '2001:db8:1:2::/63').map((n) => ({ n }))))).toEqual(['2001:db8:1:2::/63']);
  });
});

describe('mergeInto', () => {
  it('an incoming network inside a present one is covered; one holding present ones replaces them; an equal one changes nothing', () => {
    expect(mergeInto(nets('10.0.0.0/8'), nets('10.1.0.0/16'))).toEqual({ del: [], add: [] });
    const r = mergeInto(nets('10.1.0.0/16', '10.2.0.0/16', '192.0.2.0/24'), nets('10.0.0.0/8', '198.51.100.0/24'));
    expect(texts(r.del)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(texts(r.add)).toEqual(['10.0.0.0/8', '198.51.100.0/24']);
    expect(mergeInto(nets('192.0.2.0/24'), nets('192.0.2.0/24'))).toEqual({ del: [], add: [] });
  });
});
