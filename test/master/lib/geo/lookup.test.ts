// The lookup against real whois servers on loopback: IANA's referral followed to each registry,
// the query form each gets, IANA asked once per block, registry limits (refusal, stall, flood).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { startWhoisServers, WORLD, type WhoisServers } from '../../../../bench/whois-server.js';
import { GeoLookup } from '../../../../master/lib/geo/lookup.js';
import { ServerLimits, ServerPaused } from '../../../../master/lib/geo/limits.js';
import { parseWhoisHosts } from '../../../../master/lib/geo/registries.js';

let srv: WhoisServers;
const make = (o: { timeoutMs?: number; maxBytes?: number; rate?: number } = {}) => new GeoLookup({
  iana: { host: '127.0.0.1', port: srv.ports.get('whois.iana.org')! },
  hosts: parseWhoisHosts(srv.hosts, 'test'),
  timeoutMs: o.timeoutMs ?? 5000, maxBytes: o.maxBytes ?? 262144,
}, new ServerLimits(o.rate ?? 6000, 1));
const texts = (l: { nets: { text: string }[] }) => l.nets.map((n) => n.text);

beforeAll(async () => { srv = await startWhoisServers(WORLD); });
afterAll(async () => { await srv?.close(); });
beforeEach(() => { for (const q of srv.queries.values()) q.length = 0; srv.mode.clear(); });

describe('GeoLookup', () => {
  // [address, networks, country, provider, the registry's query]
  const cases: [string, string[], string, string, string, string][] = [
    ['193.19.80.7', ['193.19.80.0/21'], 'RU', 'RIPE', 'whois.ripe.net', '-r -T inetnum 193.19.80.7'],
    ['2001:67c:2e8::9', ['2001:67c:2e8::/48'], 'NL', 'RIPE', 'whois.ripe.net', '-r -T inet6num 2001:67c:2e8::9'],
    ['1.2.4.9', ['1.2.3.0/24', '1.2.4.0/24'], 'CN', 'APNIC', 'whois.apnic.net', '-r -T inetnum 1.2.4.9'],
    ['8.8.8.8', ['8.8.8.0/24'], 'US', 'ARIN', 'whois.arin.net', 'n 8.8.8.8'],
    ['200.1.2.3', ['200.1.0.0/16'], 'BR', 'LACNIC', 'whois.lacnic.net', '200.1.2.3'],
    ['41.0.1.1', ['41.0.0.0/16'], 'ZA', 'AFRINIC', 'whois.afrinic.net', '-r -T inetnum 41.0.1.1'],
  ];
  it.each(cases)('%s: IANA, then the registry it refers to', async (address, nets, country, provider, server, query) => {
    const l = await make().locate(address);
    expect({ nets: texts(l), country: l.country, provider: l.provider, queries: l.queries }).toEqual({ nets, country, provider, queries: 2 });
    expect(srv.queries.get('whois.iana.org')).toEqual([address]);
    expect(srv.queries.get(server)).toEqual([query]);
  });

  it('follows ARIN on to RIPE for space it transferred (ResourceLink)', async () => {
    const l = await make().locate('100.64.1.1');
    expect({ nets: texts(l), country: l.country, provider: l.provider, queries: l.queries }).toEqual({ nets: ['100.64.0.0/22'], country: 'RU', provider: 'RIPE', queries: 3 });
    expect(srv.queries.get('whois.arin.net')).toEqual(['n 100.64.1.1']);
  });

  it('asks IANA once per block of its own', async () => {
    const g = make();
    await g.locate('193.19.80.7');
    const l = await g.locate('193.0.0.1');
    expect(l.queries).toBe(1);
    expect(srv.queries.get('whois.iana.org')).toEqual(['193.19.80.7']);
  });

  it('no registry (IANA reserved space) or no entry: the address alone, country ZZ', async () => {
    expect(await make().locate('10.1.2.3')).toMatchObject({ country: 'ZZ', provider: 'IANA', queries: 1, nets: [expect.objectContaining({ text: '10.1.2.3', prefix: 32 })] });
    expect(await make().locate('193.200.1.1')).toMatchObject({ country: 'ZZ', provider: 'RIPE', nets: [expect.objectContaining({ text: '193.200.1.1' })] });
  });

  it('a refusal pauses the server: no query to it until the pause ends, doubled on the next', async () => {
    const g = make();
    srv.mode.set('whois.ripe.net', 'refuse');
    const e = await g.locate('193.19.80.7').catch((x) => x);
    expect(e).toBeInstanceOf(ServerPaused);
    expect(e.server).toBe('whois.ripe.net');
    expect(g.limits.paused().map((p) => p.server)).toEqual(['whois.ripe.net']);
    srv.mode.delete('whois.ripe.net');
    // Paused for WHOIS_BACKOFF (1 s here): the next try within it is not sent.
    const before = srv.queries.get('whois.ripe.net')!.length;
    await expect(g.locate('193.0.0.1')).resolves.toMatchObject({ country: 'NL' });
    expect(srv.queries.get('whois.ripe.net')!.length).toBe(before + 1);
  });

  it('a server that stalls costs at most WHOIS_TIMEOUT and is paused', async () => {
    const g = make({ timeoutMs: 300 });
    srv.mode.set('whois.apnic.net', 'stall');
    const t0 = Date.now();
    const e = await g.locate('1.2.3.4').catch((x) => x);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e).toBeInstanceOf(ServerPaused);
    expect(e.message).toMatch(/no complete answer within 300 ms/);
  });

  it('a flooding server is read up to WHOIS_MAX_BYTES, the network still found', async () => {
    const g = make({ maxBytes: 4096 });
    srv.mode.set('whois.ripe.net', 'huge');
    const l = await g.locate('193.19.80.7');
    expect({ nets: texts(l), country: l.country, cut: l.cut }).toEqual({ nets: ['193.19.80.0/21'], country: 'RU', cut: true });
  });

  it('a server nobody listens on: paused, not a crash', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const g = new GeoLookup({ iana: { host: '127.0.0.1', port }, hosts: new Map(), timeoutMs: 2000, maxBytes: 4096 }, new ServerLimits(60, 1));
    await expect(g.locate('1.2.3.4')).rejects.toBeInstanceOf(ServerPaused);
  });

  it('keeps to WHOIS_RATE per server', async () => {
    const g = make({ rate: 600 }); // one query each 100 ms
    const t0 = Date.now();
    await Promise.all(['193.19.80.7', '1.2.3.4', '8.8.8.8', '200.1.1.1'].map((a) => g.locate(a)));
    // IANA gets 4 queries: the last at least 300 ms after the first.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
