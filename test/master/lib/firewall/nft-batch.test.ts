// The lines of a round of the nftables channel: what is queued, in as few lines as keep its effect.
import { describe, expect, it } from 'vitest';
import { formatRound, LINE_ELEMENTS, type NftOp } from '../../../../master/lib/firewall/nft-batch.js';
import { kernelOf, memberText } from '../../../../master/lib/firewall/nft-names.js';
import { parseNet } from '../../../../master/lib/net/address.js';

const op = (verb: 'add' | 'del', set: string, net: string, timeout?: number, alone?: boolean): NftOp => {
  const n = parseNet(net)!;
  return { verb, k: kernelOf(set, n), member: memberText(n), timeout, alone };
};
const texts = (ops: NftOp[], made = new Set<string>()): string[] => formatRound(ops, made).map((l) => l.text);

describe('formatRound', () => {
  it('one line per kernel set and verb, in the order the sets came', () => {
    expect(texts([op('add', 'tarpit', '192.0.2.1', 120), op('add', 'custody', '192.0.2.9'), op('add', 'tarpit', '192.0.2.2', 240), op('add', 'tarpit', '2001:db8::1', 60)])).toEqual([
      'add element inet watcher tarpit/ip { 192.0.2.1 timeout 120s, 192.0.2.2 timeout 240s }',
      'add element inet watcher custody/ip { 192.0.2.9 }',
      'add element inet watcher tarpit/ip6 { 2001:db8::1 timeout 60s }',
    ]);
  });

  it('the last operation on a member wins: added then freed is absent, freed then added is present with the last timeout', () => {
    expect(texts([op('add', 'custody', '192.0.2.1'), op('del', 'custody', '192.0.2.1'), op('del', 'custody', '192.0.2.2'), op('add', 'custody', '192.0.2.2'),
      op('add', 'tarpit', '192.0.2.3', 120), op('add', 'tarpit', '192.0.2.3', 240)])).toEqual([
      'delete element inet watcher custody/ip { 192.0.2.1 }',
      'add element inet watcher custody/ip { 192.0.2.2 }',
      'add element inet watcher tarpit/ip { 192.0.2.3 timeout 240s }',
    ]);
  });

  it('many deletes add their elements first (none missing refuses the line); a lone one is a plain delete', () => {
    expect(texts([op('del', 'tarpit', '192.0.2.1'), op('del', 'tarpit', '192.0.2.2'), op('del', 'custody', '10.0.0.0/8')])).toEqual([
      'add element inet watcher tarpit/ip { 192.0.2.1, 192.0.2.2 }; delete element inet watcher tarpit/ip { 192.0.2.1, 192.0.2.2 }',
      'delete element inet watcher custody/ip/8 { 10.0.0.0 }',
    ]);
  });

  it('the first network of a prefix length comes after the line that makes its set and rule (ahead of the round), once', () => {
    const made = new Set<string>(['custody/ip/16']);
    expect(texts([op('add', 'custody', '10.1.0.0/16'), op('add', 'custody', '10.2.3.0/24'), op('add', 'custody', '10.2.4.0/24')], made)).toEqual([
      'create set inet watcher custody/ip/24 { type ipv4_addr; }; add rule inet watcher custody/drop ip saddr & 255.255.255.0 @custody/ip/24 drop',
      'add element inet watcher custody/ip/16 { 10.1.0.0 }',
      'add element inet watcher custody/ip/24 { 10.2.3.0, 10.2.4.0 }',
    ]);
    expect([...made]).toEqual(['custody/ip/16', 'custody/ip/24']);
    expect(texts([op('add', 'custody', '10.2.5.0/24')], made)).toEqual(['add element inet watcher custody/ip/24 { 10.2.5.0 }']);
  });

  it('a retried element has a line of its own; at most LINE_ELEMENTS elements a line', () => {
    const many = Array.from({ length: LINE_ELEMENTS + 2 }, (_, i) => op('add', 'custody', `10.0.${i >> 8}.${i & 255}`));
    const lines = formatRound([op('add', 'custody', '192.0.2.1', undefined, true), ...many], new Set());
    expect(lines.map((l) => l.ops.length)).toEqual([1, LINE_ELEMENTS, 2]);
    expect(lines[0].text).toBe('add element inet watcher custody/ip { 192.0.2.1 }');
    expect(lines[2].text).toBe(`add element inet watcher custody/ip { 10.0.1.244, 10.0.1.245 }`);
  });
});
