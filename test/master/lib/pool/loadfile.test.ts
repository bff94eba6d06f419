// Loadfile lines: input, and the entry (with its IPv4 address as a number) or the reason it is refused.
import { describe, expect, it } from 'vitest';
import { parseLoadfileLine } from '../../../../master/lib/pool/loadfile.js';

const CASES: [string, unknown][] = [
  ['add nixspam 1.2.3.4', { set: 'nixspam', net: '1.2.3.4', family: 4, base: 0x01020304 }],
  ['  add\tnixspam   10.1.2.3/8   # a trailing comment', { set: 'nixspam', net: '10.0.0.0/8', family: 4, base: 0x0a000000 }],
  ['add blacklist 2001:DB8::1/64', { set: 'blacklist', net: '2001:db8::/64', family: 6 }],
  ['add custody ::ffff:192.0.2.1', { set: 'custody', net: '192.0.2.1', family: 4, base: 0xc0000201 }],
  ['add tarpit 192.0.2.9 timeout 600', { set: 'tarpit', net: '192.0.2.9', family: 4, base: 0xc0000209, timeout: 600 }],
  ['add geo-cn 1.0.1.0/24 comment "CN, zone file"', { set: 'geo-cn', net: '1.0.1.0/24', family: 4, base: 0x01000100, comment: 'CN, zone file' }],
  ['', undefined],
  ['   ', undefined],
  ['# add nixspam 1.2.3.4', undefined],
  ['\t# indented comment', undefined],
  ['add nixspam 1.2.3.0/33', "'1.2.3.0/33' is not an IPv4/IPv6 address or CIDR"],
  ['add nixspam 256.1.1.1', "'256.1.1.1' is not an IPv4/IPv6 address or CIDR"],
  ['add nixspam mail.example.com', "'mail.example.com' is not an IPv4/IPv6 address or CIDR"],
  ['add nixspam 1.2.3.4;reboot', "'1.2.3.4;reboot' is not an IPv4/IPv6 address or CIDR"],
  ['add nixspam $(reboot)', "'$(reboot)' is not an IPv4/IPv6 address or CIDR"],
  ['add nixspam 01.2.3.4', "'01.2.3.4' is not an IPv4/IPv6 address or CIDR"],
  ['add nix;spam 1.2.3.4', "'nix;spam' is not a valid set name"],
  ['add nixspam-v6 1.2.3.4', "'nixspam-v6' is not a valid set name"],
  ['add nixspam 1.2.3.4 timeout 60', 'set nixspam has no timeouts'],
  ['add tarpit 192.0.2.0/24', "set tarpit takes single addresses, not '192.0.2.0/24'"],
  ['add tarpit 192.0.2.9 timeout -5', "timeout '-5' is not a number of seconds (0..2147483)"],
  ['add tarpit 192.0.2.9 timeout 99999999', "timeout '99999999' is not a number of seconds (0..2147483)"],
  ['add nixspam 1.2.3.4 ; reboot', 'unexpected \'; reboot\' (only timeout N and comment "..." may follow the address)'],
  ['del nixspam 1.2.3.4', "not an add line ('del'; only 'add <set> <address> [timeout N] [comment \"...\"]')"],
  ['create nixspam hash:net', "not an add line ('create'; only 'add <set> <address> [timeout N] [comment \"...\"]')"],
  ['add nixspam', 'add needs a set and an address'],
  ['-I INPUT 1 -s 185.126.116.0/22 -j DROP', "not an add line ('-I'; only 'add <set> <address> [timeout N] [comment \"...\"]')"],
];

describe('parseLoadfileLine', () => {
  it.each(CASES)('%j', (line, expected) => {
    expect(parseLoadfileLine(line)).toEqual(expected);
  });
});

describe('parseNetFast', () => {
  it('agrees with parseNet on addresses and CIDRs, canonical or not', async () => {
    const { parseNet } = await import('../../../../master/lib/net/address.js');
    const { parseNetFast } = await import('../../../../master/lib/pool/loadfile.js');
    const samples = ['1.2.3.4', '1.2.3.4/32', '1.2.3.4/24', '1.2.3.0/24', '1.2.3.0/024', '0.0.0.0/0', '255.255.255.255/31',
      '1.2.3.4/33', '1.2.3.4/', '1.2.3.4/x', '1.2.3.4/1234', '01.2.3.4', '2001:db8::1/64', '::ffff:1.2.3.4', 'host', ''];
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let i = 0; i < 2000; i++) samples.push(`${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(256)}/${rnd(34)}`);
    for (const s of samples) expect(parseNetFast(s), s).toEqual(parseNet(s));
  });

  it('agrees with parseNet on IPv6 forms: canonical kept, others (case, leading zeros, a wrong run as ::, host bits) reformatted', async () => {
    const { parseNet } = await import('../../../../master/lib/net/address.js');
    const { parseNetFast } = await import('../../../../master/lib/pool/loadfile.js');
    const samples = ['2a00::/29', '2a00:0::/29', '2A00::/29', '2a00:0000::/29', '2001:db8:0:0:1::/80', '2001:db8::1:0:0:0/64', '2001:0:0:1::/64',
      '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '1::2:3:4:5:6:7', '::', '::/0', '::1', '::1/128', '::1/0128', '0::1', '1:0::2', '2001:db8::/032',
      '::ffff:102:304', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1:::2', '1:', '12345::', 'g::', '2001:db8::/129', '2001:db8::/', 'fe80::1%eth0'];
    let seed = 11;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let i = 0; i < 3000; i++) {
      const g = Array.from({ length: 8 }, () => [0, 0, 1, 0xffff, rnd(65536)][rnd(5)].toString(16));
      const cut = rnd(8), len = rnd(8 - cut);
      const text = rnd(3) ? `${g.slice(0, cut).join(':')}::${g.slice(cut + len).join(':')}` : g.join(':');
      samples.push(rnd(2) ? text : `${text}/${rnd(130)}`);
    }
    for (const s of samples) expect(parseNetFast(s), s).toEqual(parseNet(s));
  });
});
