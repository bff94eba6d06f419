import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsClassifier, parseDnsServer } from '../../../../master/lib/net/dns.js';
import { startDns, startSilentDns, TRUEHOST, FAKEHOST, NXDOMAIN, TRUEHOST6, type DnsServer } from '../../../helpers/dns.js';

describe('DNS classification against dnsmasq', () => {
  let dns: DnsServer;
  beforeAll(async () => { dns = await startDns(); });
  afterAll(async () => { await dns?.stop(); });

  it('tells TRUEHOST, FAKEHOST and NXDOMAIN apart', async () => {
    const c = new DnsClassifier({ DNS_SERVER: dns.server, DNS_TIMEOUT: 2000, DNS_CACHE_TTL: 3600 });
    expect(await c.classify(TRUEHOST.address)).toEqual({ class: 'TRUEHOST', host: TRUEHOST.name });
    expect(await c.classify(FAKEHOST.address)).toEqual({ class: 'FAKEHOST', host: FAKEHOST.name });
    expect(await c.classify(NXDOMAIN.address)).toEqual({ class: 'NXDOMAIN' });
    expect(await c.classify(TRUEHOST6.address)).toEqual({ class: 'TRUEHOST', host: TRUEHOST6.name });
    expect(c.cached(FAKEHOST.address)).toEqual({ class: 'FAKEHOST', host: FAKEHOST.name });
  });

  it('does not cache with DNS_CACHE_TTL=0', async () => {
    const c = new DnsClassifier({ DNS_SERVER: dns.server, DNS_TIMEOUT: 2000, DNS_CACHE_TTL: 0 });
    await c.classify(TRUEHOST.address);
    expect(c.cached(TRUEHOST.address)).toBeUndefined();
  });

  it('a timeout is UNRESOLVED, not NXDOMAIN, and comes after DNS_TIMEOUT', async () => {
    const silent = await startSilentDns();
    const c = new DnsClassifier({ DNS_SERVER: silent.server, DNS_TIMEOUT: 300, DNS_CACHE_TTL: 3600 });
    const t0 = Date.now();
    const r = await c.classify(NXDOMAIN.address);
    expect(r.class).toBe('UNRESOLVED');
    expect(r.reason).toMatch(/PTR ETIMEOUT/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await silent.stop();
  });

  it('DNS_SERVER=off classifies nothing; a bad DNS_SERVER is a config error', () => {
    expect(new DnsClassifier({ DNS_SERVER: 'off', DNS_TIMEOUT: 1, DNS_CACHE_TTL: 1 }).cached('1.2.3.4')).toEqual({ class: 'UNRESOLVED', reason: 'DNS off' });
    expect(parseDnsServer('::1')).toBe('[::1]');
    expect(parseDnsServer('[::1]:53')).toBe('[::1]:53');
    expect(() => parseDnsServer('dns.example')).toThrow(/DNS_SERVER="dns.example": not an address/);
  });
});
