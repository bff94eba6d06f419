// The address words of a line in every form services write their peer, and what a peer_map
// line finds in each: the zone dropped, IPv4-mapped made IPv4, ports and brackets spelled by
// the pattern, leading zeros read as decimal.
import { describe, expect, it } from 'vitest';
import { findAddressWords, parsePeerMap, MAX_CANDIDATES, type AddressWord } from '../../../../master/lib/rules/maps.js';
import { readLogAddress } from '../../../../master/lib/net/address.js';

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

  // Every maximal run of address characters from `at` on read in each way, no shortcut: the
  // run, the run with its zone, the run less a final ':PORT', ':' or '.'; whole words only.
  function plainWords(line: string, at: number): AddressWord[] {
    const out: AddressWord[] = [];
    const word = /[0-9A-Fa-f:.]+/g;
    const isWord = (c: string | undefined): boolean => c !== undefined && /[0-9A-Za-z_-]/.test(c);
    const add = (start: number, text: string): void => {
      const address = /^[0-9A-Fa-f:.]*$/.test(text.split('%')[0]) && /(^[^:]*\.[^:]*\.[^:]*\.[^:]*$)|:.*:/.test(text.split('%')[0]) ? readLogAddress(text) : undefined;
      if (address !== undefined) out.push({ start, end: start + text.length, address });
    };
    word.lastIndex = at;
    for (let m = word.exec(line); m !== null; m = word.exec(line)) {
      const run = m[0];
      const start = m.index;
      const end = start + run.length;
      if (!/[.:]/.test(run) || run.length < 2 || isWord(line[start - 1])) continue;
      const zone = /^%[0-9A-Za-z_-]+(?:\.[0-9A-Za-z_-]+)*/.exec(line.slice(end));
      if (run.includes(':') && zone && !isWord(line[end + zone[0].length])) add(start, run + zone[0]);
      if (isWord(line[end])) continue;
      add(start, run);
      const tail = /(:[0-9]+|[.:])$/.exec(run);
      if (tail) add(start, run.slice(0, tail.index));
    }
    return out;
  }

  it('finds the words the plain reading of every run finds, in 20,000 lines of address-like text', () => {
    let a = 42;
    const next = (): number => { a = (a * 1103515245 + 12345) & 0x7fffffff; return a / 0x7fffffff; };
    const bits = ['1.2.3.4', '010.1.2.3', '1.2.3.4.5', '255.255.255.255', '256.1.1.1', '::1', 'fe80::1', '::ffff:1.2.3.4', '2001:db8::7', '2001:db8::1:22',
      '%eth0', '%eth0.1', ':22', ':', '.', ' ', ' port ', 'x', '-', '_', '[', ']', '<', '>', 'a', 'F', '9', 'é', 'from '];
    let found = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = '';
      for (let k = Math.floor(next() * 12); k >= 0; k--) line += bits[Math.floor(next() * bits.length)];
      const at = Math.floor(next() * Math.min(4, line.length + 1));
      const got = findAddressWords(line, at);
      expect(got, JSON.stringify([line, at])).toEqual(plainWords(line, at));
      found += got.length;
    }
    expect(found).toBeGreaterThan(5000);
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
