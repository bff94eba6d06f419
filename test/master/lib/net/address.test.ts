import { describe, expect, it } from 'vitest';
import { normalizeAddress, parseIPv4, parseNet, readLogAddress } from '../../../../master/lib/net/address.js';
import { NetMatcher } from '../../../../master/lib/net/netmatch.js';
import { parseList } from '../../../../master/lib/pool/lists.js';

describe('addresses', () => {
  // [input, canonical or undefined]
  const addrs: [string, string | undefined][] = [
    ['1.2.3.4', '1.2.3.4'],
    ['255.255.255.255', '255.255.255.255'],
    ['0.0.0.0', '0.0.0.0'],
    ['256.1.1.1', undefined],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['01.2.3.4', undefined],
    ['1.2.3.4 ', undefined],
    ['1.2.3.4;reboot', undefined],
    ['example.com', undefined],
    ['', undefined],
    ['::ffff:93.42.155.2', '93.42.155.2'],
    ['::FFFF:5db0:9b02', '93.176.155.2'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::', '2001:db8::'],
    ['::1', '::1'],
    ['fe80::1%eth0', undefined],
    ['2001:db8::1::2', undefined],
  ];
  it.each(addrs)('normalizes %j to %j', (input, want) => {
    expect(normalizeAddress(input)).toBe(want);
  });

  // Address words of log lines: [word, canonical or undefined]. Lists stay strict (above).
  const logged: [string, string | undefined][] = [
    ['1.2.3.4', '1.2.3.4'],
    ['fe80::1%eth0', 'fe80::1'],
    ['FE80::1%eth0.100', 'fe80::1'],
    ['fe80::1%2', 'fe80::1'],
    ['::ffff:1.2.3.4%eth0', '1.2.3.4'],
    ['fe80::1%', undefined],
    ['fe80::1%eth 0', undefined],
    ['fe80::1%eth0%1', undefined],
    ['1.2.3.4%eth0', undefined],
    ['::ffff:93.42.155.2', '93.42.155.2'],
    ['::FFFF:5db0:9b02', '93.176.155.2'],
    ['010.001.002.003', '10.1.2.3'],
    ['192.030.0.6', '192.30.0.6'],
    ['00.0.0.0', '0.0.0.0'],
    ['::ffff:010.001.002.003', '10.1.2.3'],
    ['2001:0db8:0000::0001', '2001:db8::1'],
    ['0001.2.3.4', undefined],
    ['256.1.1.1', undefined],
    ['1.010.1.2.3', undefined],
    ['01.2.3', undefined],
    ['[1.2.3.4]', undefined],
    ['1.2.3.4:22', undefined],
  ];
  it.each(logged)('reads the log word %j as %j', (input, want) => {
    expect(readLogAddress(input)).toBe(want);
  });

  // [input, canonical or undefined]
  const nets: [string, string | undefined][] = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['1.2.3.4/32', '1.2.3.4'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['1.2.3.4/33', undefined],
    ['1.2.3.4/', undefined],
    ['1.2.3.4/-1', undefined],
    ['1.2.3.4/8x', undefined],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['2001:db8::/129', undefined],
  ];
  it.each(nets)('parses network %j as %j', (input, want) => {
    expect(parseNet(input)?.text).toBe(want);
  });

  it('parses dotted quads to numbers', () => {
    expect(parseIPv4('192.168.1.1')).toBe(0xc0a80101);
  });

  it('matches addresses inside networks', () => {
    const m = new NetMatcher();
    for (const s of ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']) m.add(parseNet(s)!);
    expect(m.contains('10.255.1.1')).toBe(true);
    expect(m.contains('11.0.0.1')).toBe(false);
    expect(m.contains('192.0.2.7')).toBe(true);
    expect(m.contains('192.0.2.8')).toBe(false);
    expect(m.contains('::ffff:10.1.1.1')).toBe(true);
    expect(m.contains('2001:db8:1::5')).toBe(true);
    expect(m.contains('2001:db9::5')).toBe(false);
    expect(m.contains('garbage')).toBe(false);
    expect(m.size).toBe(3);
  });

  it('covers a network only when it lies wholly inside one of the networks', () => {
    const m = new NetMatcher(['10.0.0.0/8', '127.0.0.0/8', '2001:db8::/32'].map((s) => parseNet(s)!));
    expect(m.covers(parseNet('10.1.0.0/16')!)).toBe(true);
    expect(m.covers(parseNet('10.0.0.0/8')!)).toBe(true);
    expect(m.covers(parseNet('0.0.0.0/1')!)).toBe(false);
    expect(m.covers(parseNet('8.0.0.0/6')!)).toBe(false);
    expect(m.covers(parseNet('2001:db8:5::/48')!)).toBe(true);
    expect(m.covers(parseNet('::/1')!)).toBe(false);
  });
});

describe('list files', () => {
  it('takes the first column and reports bad entries with file:line', () => {
    const text = '#comment\n\t\n   # indented comment\n1.2.3.4\n10.0.0.0/8  # VPN\n\t192.0.2.0/24\tnet\nbogus.example\n1.2.3.4/33 # bad\n';
    const { nets, problems } = parseList(text, 'whitelist');
    expect(nets.map((n) => n.text)).toEqual(['1.2.3.4', '10.0.0.0/8', '192.0.2.0/24']);
    expect(problems).toEqual([
      { file: 'whitelist', line: 7, value: 'bogus.example', reason: 'not an IPv4/IPv6 address or CIDR' },
      { file: 'whitelist', line: 8, value: '1.2.3.4/33', reason: 'not an IPv4/IPv6 address or CIDR' },
    ]);
  });
});
