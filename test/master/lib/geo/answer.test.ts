// Registry answers as they come: each registry's form read to network, country and referral;
// hostile answers (ranges that do not hold the address, junk, refusals) never give a network.
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../../../master/lib/net/address.js';
import { parseNetwork, parseReferral, isRefusal, parseHandOver } from '../../../../master/lib/geo/answer.js';
import { parseCidr, parseRange, rangeToCidrs } from '../../../../master/lib/geo/range.js';
import { answer, refusal, WORLD } from '../../../../bench/whois-server.js';

const at = (s: string) => parseAddress(s)!;
const texts = (nets: { text: string }[] | undefined) => nets?.map((n) => n.text);

describe('ranges to CIDRs', () => {
  // [range, CIDRs]
  const cases: [string, string[] | undefined][] = [
    ['193.0.0.0 - 193.0.7.255', ['193.0.0.0/21']],
    ['1.2.3.0 - 1.2.4.255', ['1.2.3.0/24', '1.2.4.0/24']],
    ['10.0.0.1 - 10.0.0.1', ['10.0.0.1']],
    ['0.0.0.0 - 255.255.255.255', ['0.0.0.0/0']],
    ['10.0.0.5 - 10.0.0.2', undefined],
    ['2001:db8:: - 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', ['2001:db8::/32']],
    ['1.2.3.4 - 2001:db8::1', undefined],
    ['1.2.3.4 -', undefined],
  ];
  it.each(cases)('%s', (range, want) => expect(texts(parseRange(range))).toEqual(want));

  it('refuses a range that needs more than 64 CIDRs (no registry registers such a thing)', () => {
    expect(rangeToCidrs(at('::1'), at('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'))).toBeUndefined();
    expect(rangeToCidrs(at('0.0.0.1'), at('255.255.255.254'))).toHaveLength(62);
  });

  // LACNIC's and registro.br's short forms leave out zero octets.
  const short: [string, string | undefined][] = [
    ['200.1/16', '200.1.0.0/16'], ['177/8', '177.0.0.0/8'], ['200.7.84/22', '200.7.84.0/22'],
    ['2001:1200::/23', '2001:1200::/23'], ['2001:600:0:0:0:0:0:0/23', '2001:600::/23'],
    ['200.1/33', undefined], ['300.1/16', undefined], ['200.1', undefined],
  ];
  it.each(short)('%s', (s, want) => expect(parseCidr(s)?.text).toBe(want));
});

describe('answers of each registry (the forms the loopback servers write)', () => {
  it('IANA: refer: names the registry, its block is read', () => {
    const t = answer(WORLD, 'whois.iana.org', '193.0.0.1');
    expect(parseReferral(t)).toEqual({ host: 'whois.ripe.net' });
    expect(texts(parseNetwork(t, at('193.0.0.1'))?.nets)).toEqual(['193.0.0.0/8']);
    expect(parseReferral(answer(WORLD, 'whois.iana.org', '2001:67c:2e8::1'))).toEqual({ host: 'whois.ripe.net' });
    expect(parseReferral(answer(WORLD, 'whois.iana.org', '10.1.2.3'))).toBeUndefined();
  });

  it('RIPE: inetnum range and country', () => {
    expect(parseNetwork(answer(WORLD, 'whois.ripe.net', '-r -T inetnum 193.19.80.7'), at('193.19.80.7'))).toMatchObject({ country: 'RU' });
    expect(texts(parseNetwork(answer(WORLD, 'whois.ripe.net', '-r -T inetnum 193.19.80.7'), at('193.19.80.7'))?.nets)).toEqual(['193.19.80.0/21']);
    const v6 = parseNetwork(answer(WORLD, 'whois.ripe.net', '-r -T inet6num 2001:67c:2e8::9'), at('2001:67c:2e8::9'));
    expect({ nets: texts(v6?.nets), country: v6?.country }).toEqual({ nets: ['2001:67c:2e8::/48'], country: 'NL' });
    expect(parseNetwork(answer(WORLD, 'whois.ripe.net', '-r -T inetnum 193.1.1.1'), at('193.1.1.1'))).toBeUndefined();
  });

  it('APNIC: a range that is no single CIDR gives each of its CIDRs', () => {
    const f = parseNetwork(answer(WORLD, 'whois.apnic.net', '-r -T inetnum 1.2.4.9'), at('1.2.4.9'));
    expect({ nets: texts(f?.nets), country: f?.country }).toEqual({ nets: ['1.2.3.0/24', '1.2.4.0/24'], country: 'CN' });
  });

  it("ARIN: the most specific of parent and child, its CIDR line, the organisation's Country", () => {
    const t = answer(WORLD, 'whois.arin.net', 'n 8.8.8.8');
    expect(t).toMatch(/# start/);
    const f = parseNetwork(t, at('8.8.8.8'));
    expect({ nets: texts(f?.nets), country: f?.country }).toEqual({ nets: ['8.8.8.0/24'], country: 'US' });
    expect(parseReferral(t)).toBeUndefined();
  });

  it("ARIN: space transferred to RIPE refers on (ResourceLink), the https link is not followed", () => {
    const t = answer(WORLD, 'whois.arin.net', 'n 100.64.1.1');
    expect(parseReferral(t)).toEqual({ host: 'whois.ripe.net', port: undefined, server: true });
    expect(parseReferral('ReferralServer:  whois://whois.apnic.net:4343\n')).toEqual({ host: 'whois.apnic.net', port: 4343, server: true });
    expect(parseReferral('ReferralServer:  rwhois://rwhois.example.net:4321\n')).toBeUndefined();
  });

  it('LACNIC: the short form and the country of the network, not of the contact after it', () => {
    const t = answer(WORLD, 'whois.lacnic.net', '200.1.2.3');
    const f = parseNetwork(t, at('200.1.2.3'));
    expect({ nets: texts(f?.nets), country: f?.country }).toEqual({ nets: ['200.1.0.0/16'], country: 'BR' });
  });

  it('AFRINIC and JPNIC (a national registry: its country is implied)', () => {
    expect(parseNetwork(answer(WORLD, 'whois.afrinic.net', '-r -T inetnum 41.0.1.1'), at('41.0.1.1'))).toMatchObject({ country: 'ZA' });
    const jp = 'Network Information:\na. [Network Number]             192.41.192.0/24\nb. [Network Name]               JPNIC-NET-JP\n';
    expect(texts(parseNetwork(jp, at('192.41.192.9'))?.nets)).toEqual(['192.41.192.0/24']);
    const kr = 'IPv4 Address       : 211.104.0.0 - 211.119.255.255 (/12)\nOrganization Name  : Korea Telecom\n';
    expect(texts(parseNetwork(kr, at('211.110.1.1'))?.nets)).toEqual(['211.104.0.0/13', '211.112.0.0/13']);
  });

  it('refusals of each registry are told from answers', () => {
    for (const s of ['whois.ripe.net', 'whois.apnic.net', 'whois.afrinic.net', 'whois.arin.net', 'whois.lacnic.net', 'whois.iana.org']) expect(isRefusal(refusal(s)), s).toBe(true);
    for (const s of ['whois.ripe.net', 'whois.arin.net', 'whois.lacnic.net', 'whois.iana.org']) expect(isRefusal(answer(WORLD, s, '193.0.0.1')), s).toBe(false);
  });
});

describe('hostile answers', () => {
  it('a range that does not hold the address is ignored', () => {
    expect(parseNetwork('inetnum: 10.0.0.0 - 10.0.0.255\ncountry: CN\n', at('1.2.3.4'))).toBeUndefined();
  });
  it('junk values, a country that is no code, overlong lines', () => {
    expect(parseNetwork('inetnum: 1.2.3.0 - 1.2.3.x\ncountry: CN\n', at('1.2.3.4'))).toBeUndefined();
    expect(parseNetwork(`inetnum: 1.2.3.0 - 1.2.3.255\ncountry: ${'C'.repeat(9000)}\n`, at('1.2.3.4'))).toEqual({ nets: [expect.objectContaining({ text: '1.2.3.0/24' })], country: undefined });
    expect(parseNetwork('inetnum: 1.2.3.0 - 1.2.3.255\ncountry: EU # Country is really world wide\n', at('1.2.3.4'))?.country).toBe('EU');
  });
  it('a referral to something that is no host name is not followed', () => {
    expect(parseReferral('refer: ../../etc/passwd\n')).toBeUndefined();
    expect(parseReferral('refer: whois.ripe.net;rm\n')).toBeUndefined();
    expect(parseReferral('ReferralServer: whois://whois.x.net:99999\n')).toBeUndefined();
  });
});

describe('hand-over lines', () => {
  const cases: [string, { address: string; origin: string } | undefined][] = [
    ['1.2.3.4 WatchLG', { address: '1.2.3.4', origin: 'WatchLG' }],
    ['2001:DB8::1 WatchMX', { address: '2001:db8::1', origin: 'WatchMX' }],
    ['::ffff:1.2.3.4 WatchWB', { address: '1.2.3.4', origin: 'WatchWB' }],
    ['1.2.3.4', undefined], ['1.2.3.4 WatchLG extra', undefined], ['1.2.3.256 WatchLG', undefined],
    ["1.2.3.4 Watch'LG", undefined], ['', undefined], ['host.example WatchLG', undefined],
  ];
  it.each(cases)('%j', (line, want) => expect(parseHandOver(line)).toEqual(want));
});
