// The providers' formats and the check of every entry: input, and what is kept or refused.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadList, parseBody } from '../../../../master/lib/dynload/formats.js';
import { screenEntries } from '../../../../master/lib/dynload/screen.js';
import { parseNet, type Net } from '../../../../master/lib/net/address.js';

const b = (s: string): Buffer => Buffer.from(s);
const values = (format: Parameters<typeof parseBody>[0], body: Buffer, o = {}) => parseBody(format, body, o).entries.map((e) => [e.value, e.comment]);

describe('formats', () => {
  it('spamhaus-json: cidr and sblid of each line; the metadata count must match; no metadata is a cut file', () => {
    const meta = (n: number) => JSON.stringify({ type: 'metadata', timestamp: 1, size: 2, records: n });
    const body = `{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}\n{"cidr":"2a06:e480::/29","sblid":"SBL300001","rir":"ripencc"}\n${meta(2)}\n`;
    expect(values('spamhaus-json', b(body))).toEqual([['1.10.16.0/20', 'SBL256894'], ['2a06:e480::/29', 'SBL300001']]);
    expect(() => parseBody('spamhaus-json', b(body.replace(meta(2), meta(3))))).toThrow(/metadata says 3 records, the file holds 2/);
    expect(() => parseBody('spamhaus-json', b(body.replace(meta(2), '')))).toThrow(/no metadata line/);
    expect(() => parseBody('spamhaus-json', b(''))).toThrow(BadList);
    const garbled = parseBody('spamhaus-json', b(`{"cidr":"1.2.3.0/24"}\n{not json\n${meta(2)}\n`));
    expect([garbled.entries.length, garbled.bad]).toEqual([1, 1]);
  });

  it('an HTML page is never a list, whatever the format', () => {
    for (const f of ['plain', 'cidr-comment', 'csv', 'spamhaus-json'] as const) {
      expect(() => parseBody(f, b('\uFEFF  <!DOCTYPE html>\n<html><body>503</body></html>'))).toThrow(/an HTML page/);
      expect(() => parseBody(f, b('<html>\n1.2.3.4\n'))).toThrow(/an HTML page/);
    }
  });

  it('cidr-comment and plain: comments with ; or #, blank lines, CRLF', () => {
    expect(values('cidr-comment', b('; Spamhaus DROP\r\n1.10.16.0/20 ; SBL256894\r\n\r\n2.56.192.0/22 ;SBL459831\n3.0.0.0/8\n'))).toEqual([['1.10.16.0/20', 'SBL256894'], ['2.56.192.0/22', 'SBL459831'], ['3.0.0.0/8', undefined]]);
    expect(values('plain', b('# ipdeny\n1.0.1.0/24\n  1.0.2.0/23  \n1.0.8.0/21 # x\n'))).toEqual([['1.0.1.0/24', undefined], ['1.0.2.0/23', undefined], ['1.0.8.0/21', undefined]]);
  });

  it('nixspam: gzip, `<unix time> <address>` a line; a line of another shape is bad; a body that is no gzip is refused', () => {
    const p = parseBody('nixspam', gzipSync('1764633600 81.2.3.4\n1764633601 2001:db8::7\n81.2.3.5\n'));
    expect(p.entries.map((e) => e.value)).toEqual(['81.2.3.4', '2001:db8::7']);
    expect(p.bad).toBe(1);
    expect(() => parseBody('nixspam', b('1764633600 81.2.3.4\n'))).toThrow(/not a gzip file/);
    expect(() => parseBody('nixspam', gzipSync('x').subarray(0, 12))).toThrow(/bad gzip data/);
    expect(() => parseBody('nixspam', gzipSync('1 1.2.3.4\n'.repeat(1000)), { maxBytes: 100 })).toThrow(/bad gzip data/);
  });

  it('csv: the column, quotes, the header line, another separator', () => {
    expect(values('csv', b('ip,seen\n"81.0.0.1",x\n81.0.0.2 ,y\n,z\n'), { header: true })).toEqual([['81.0.0.1', undefined], ['81.0.0.2', undefined]]);
    expect(values('csv', b('a;81.0.0.3;b\n'), { column: 2, separator: ';' })).toEqual([['81.0.0.3', undefined]]);
  });
});

describe('screenEntries', () => {
  const never = ['46.1.0.0/16', '127.0.0.0/8', '::1', '81.9.9.9'].map((s) => parseNet(s) as Net);
  const screen = (vals: string[], o: { family?: 4 | 6; keepReserved?: boolean; comment?: string } = {}) =>
    screenEntries(vals.map((value, i) => ({ value, line: i + 1, comment: value.startsWith('81.') ? 'a "quoted"\tcomment\\' : undefined })), { never, keepReserved: false, ...o });

  it('keeps addresses and CIDRs in canonical form, drops duplicates', () => {
    const s = screen(['45.1.2.3', '45.1.2.0/24', '45.1.2.77/24', '2A06:E480:0::/29', '45.1.2.3']);
    expect(s.nets).toEqual(['45.1.2.3', '45.1.2.0/24', '2a06:e480::/29']);
    expect([s.comments, s.family]).toEqual([undefined, undefined]);
    expect(s.duplicates).toBe(2);
  });

  it('leaves out what overlaps the whitelist, own addresses or loopback, in either direction', () => {
    const s = screen(['46.1.2.0/24', '46.0.0.0/8', '0.0.0.0/1', '81.9.9.0/24', '::/1', '45.0.0.1']);
    expect(s.nets).toEqual(['45.0.0.1']);
    expect(s.family).toBe(4);
    expect(s.neverBlocked).toBe(5);
  });

  it('leaves out reserved ranges unless KEEP_RESERVED, and /0, garbage and the wrong family', () => {
    const s = screen(['10.1.2.3', '192.168.0.0/16', '224.0.0.1', 'fe80::1', '2001:db8::/48', '0.0.0.0/0', '::/0', 'host.example', '1.2.3.4/33', '2a00::/16'], { family: 4 });
    expect([s.nets.length, s.reserved, s.invalid, s.wrongFamily]).toEqual([0, 3, 4, 3]);
    expect(screen(['10.1.2.3', '192.168.0.0/16'], { keepReserved: true }).nets).toHaveLength(2);
  });

  it('comments become what ipset takes: no quotes, backslashes or control characters, at most 255 bytes', () => {
    expect(screen(['81.0.0.1']).comments).toEqual(['a quoted comment']);
    expect(screen(['45.0.0.1'], { comment: 'é'.repeat(200) }).comments).toEqual(['é'.repeat(127)]);
    // Entries without one beside those with one: undefined in their places.
    expect(screen(['45.0.0.1', '81.0.0.1', '45.0.0.2']).comments).toEqual([undefined, 'a quoted comment', undefined]);
  });
});
