// The address words of a line in every form services write their peer, and what a peer_map
// line finds in each: the zone dropped, IPv4-mapped made IPv4, ports and brackets spelled by
// the pattern, leading zeros read as decimal.
import { describe, expect, it } from 'vitest';
import { findAddressWords, parsePeerMap, MAX_CANDIDATES } from '../../../../master/lib/rules/maps.js';

describe('address words', () => {
  // [text, every candidate word as `text → address`]
  const cases: [string, string[]][] = [
    ['from 1.2.3.4 port 22', ['1.2.3.4 → 1.2.3.4']],
    ['from fe80::1%eth0 port 22', ['fe80::1%eth0 → fe80::1', 'fe80::1 → fe80::1']],
    ['from fe80::1%eth0.100.', ['fe80::1%eth0.100 → fe80::1', 'fe80::1 → fe80::1']],
    ['from ::ffff:198.51.100.215 port 22', ['::ffff:198.51.100.215 → 198.51.100.215']],
    ['from [2001:db8::1]:22', ['2001:db8::1 → 2001:db8::1']],
    ['from [fe80::1%eth0]:22', ['fe80::1%eth0 → fe80::1', 'fe80::1 → fe80::1']],
    ['from [1.2.3.4]:22', ['1.2.3.4 → 1.2.3.4']],
    ['from <198.51.100.87:5543>', ['198.51.100.87 → 198.51.100.87']],
    ['from <::ffff:198.51.100.215:60495>', ['::ffff:198.51.100.215 → 198.51.100.215']],
    ['from <2001:db8::1:22>', ['2001:db8::1:22 → 2001:db8::1:22', '2001:db8::1 → 2001:db8::1']],
    ['from 198.51.100.87:5543', ['198.51.100.87 → 198.51.100.87']],
    ['from 010.001.002.003 port 22', ['010.001.002.003 → 10.1.2.3']],
    ['for x from 192.030.0.6', ['192.030.0.6 → 192.30.0.6']],
    ['rhost=10.1.1.1-x.evil.example x10.1.1.1 10.1.1.1.evil.example fe80::1g 1.2.3.4%eth0', ['1.2.3.4 → 1.2.3.4']],
  ];
  it.each(cases)('%s', (text, want) => {
    expect(findAddressWords(text, 0).map((w) => `${text.slice(w.start, w.end)} → ${w.address}`)).toEqual(want);
  });
});

describe('the peer a peer_map line finds in each form', () => {
  const { find, problems } = parsePeerMap([
    'sshd\\[[0-9]+\\]: Failed password for .* from ADDR port [0-9]+( ssh2)?$',
    'dropbear\\[[0-9]+\\]: Exit before auth from <ADDR:[0-9]+>: ',
    'dropbear\\[[0-9]+\\]: Bad password attempt for .* from ADDR:[0-9]+$',
    'x\\[[0-9]+\\]: connect from \\[ADDR\\]:[0-9]+$',
  ].join('\n'), 'peer_map');
  const H = 'Nov  1 00:00:00 h ';
  // [line, peer]
  const cases: [string, string | undefined][] = [
    [`${H}sshd[1]: Failed password for root from fe80::1%eth0 port 22 ssh2`, 'fe80::1'],
    [`${H}sshd[1]: Failed password for root from ::ffff:1.2.3.4 port 22 ssh2`, '1.2.3.4'],
    [`${H}sshd[1]: Failed password for root from 010.001.002.003 port 22 ssh2`, '10.1.2.3'],
    [`${H}dropbear[1]: Exit before auth from <1.2.3.4:22>: (user 'root', 10 fails): Max auth tries reached`, '1.2.3.4'],
    [`${H}dropbear[1]: Exit before auth from <2001:db8::1:22>: x`, '2001:db8::1'],
    [`${H}dropbear[1]: Exit before auth from <::ffff:1.2.3.4:60495>: x`, '1.2.3.4'],
    [`${H}dropbear[1]: Bad password attempt for 'root' from 198.51.100.87:5543`, '198.51.100.87'],
    [`${H}x[1]: connect from [fe80::1%eth0]:22`, 'fe80::1'],
    [`${H}x[1]: connect from [2001:db8::7]:22`, '2001:db8::7'],
    [`${H}x[1]: connect from [1.2.3.4]`, undefined],
  ];
  it.each(cases)('%s', (line, peer) => {
    expect(problems).toEqual([]);
    expect(find(line)).toBe(peer);
  });
});

describe('a line stuffed with addresses', () => {
  const H = 'Nov  1 00:00:00 host sshd[1]: ';
  const { find } = parsePeerMap('Invalid user .* from ADDR( port [0-9]+)?$', '/r/peer_map');
  it(`tries at most ${MAX_CANDIDATES} distinct addresses: a line with more is ambiguous`, () => {
    const stuffed = Array.from({ length: 600 }, (_, i) => `from 10.${i >> 8}.${i & 255}.1`).join(' ');
    const line = `${H}Invalid user ${stuffed.slice(0, 8000)} from 203.0.113.9 port 22`;
    const peer = find(line);
    expect(peer).toEqual({ ambiguous: expect.any(Array) });
    expect((peer as { ambiguous: string[] }).ambiguous).toHaveLength(MAX_CANDIDATES);
  });
  it('finds the peer of a line with a few addresses in a user name', () => {
    expect(find(`${H}Invalid user a from 10.0.0.1 port 1 b from 10.0.0.2 port 2 from 203.0.113.9 port 22`)).toBe('203.0.113.9');
  });
});
