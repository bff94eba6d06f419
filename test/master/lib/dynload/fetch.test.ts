// fetchList against real HTTP and HTTPS servers and a real proxy on loopback (test/fixtures/listserver.mjs).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchList, FetchError, type FetchOptions } from '../../../../master/lib/dynload/fetch.js';
import { startListServer, type ListServer } from '../../../helpers/lists.js';

const BODY = Array.from({ length: 5000 }, (_, i) => `45.${i >> 8}.${i & 255}.0/24`).join('\n') + '\n';
let srv: ListServer;
let ca: string;
const opts = (o: Partial<FetchOptions> = {}): FetchOptions => ({ connectMs: 5000, totalMs: 10_000, maxBytes: 1 << 20, maxRedirects: 3, ca, env: {}, ...o });
const failure = async (url: string, o: Partial<FetchOptions> = {}): Promise<FetchError> => {
  const e = await fetchList(url, opts(o)).then(() => undefined, (err: unknown) => err);
  if (!(e instanceof FetchError)) throw new Error(`expected a FetchError for ${url}, got ${String(e)}`);
  return e;
};

beforeAll(async () => {
  srv = await startListServer();
  ca = readFileSync(srv.ca, 'utf8');
  srv.put('list.txt', BODY);
});
afterAll(async () => { await srv?.stop(); });

describe('fetchList', () => {
  it('downloads over HTTPS with the given CA and over HTTP, with the validators', async () => {
    for (const base of [srv.https, srv.http]) {
      const r = await fetchList(`${base}/list.txt`, opts());
      expect(r.status).toBe('fresh');
      if (r.status !== 'fresh') return;
      expect(r.body.toString()).toBe(BODY);
      expect(r.etag).toMatch(/^"[0-9a-f]{40}"$/);
      expect(r.lastModified).toMatch(/GMT$/);
    }
  });

  it('refuses a certificate no trusted CA signed (TLS stays verified)', async () => {
    const e = await failure(`${srv.https}/list.txt`, { ca: undefined });
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/certificate/i);
  });

  it('an unchanged list answers 304 to its ETag: nothing downloaded', async () => {
    const first = await fetchList(`${srv.https}/list.txt`, opts());
    if (first.status !== 'fresh') throw new Error('expected a body');
    const again = await fetchList(`${srv.https}/list.txt`, opts({ etag: first.etag }));
    expect(again.status).toBe('unchanged');
    expect(srv.requests().at(-1)).toContain(`inm=${first.etag}`);
  });

  it('404 and 500 are unavailable, named with the status', async () => {
    expect((await failure(`${srv.http}/missing.txt`)).message).toMatch(/HTTP 404/);
    const e = await failure(`${srv.http}/status/500`);
    expect([e.kind, /HTTP 500/.test(e.message)]).toEqual(['unavailable', true]);
  });

  it('a server that never answers, or stalls in the body, ends at the total timeout', async () => {
    const t0 = Date.now();
    expect((await failure(`${srv.http}/stall-head`, { totalMs: 800 })).message).toMatch(/no answer within 800 ms/);
    srv.put('big.txt', BODY.repeat(4));
    expect((await failure(`${srv.http}/stall/big.txt`, { totalMs: 800 })).message).toMatch(/not finished within 800 ms/);
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('a connection cut in the middle is a failure, never a shorter list', async () => {
    const e = await failure(`${srv.http}/cut/list.txt`);
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/cut|truncated/);
  });

  it('a body over the cap is refused, announced or not', async () => {
    expect((await failure(`${srv.http}/list.txt`, { maxBytes: 1000 })).kind).toBe('bad-data');
    const gz = await failure(`${srv.http}/gzip/list.txt`, { maxBytes: 1000 });
    expect([gz.kind, /cap of 1000/.test(gz.message)]).toEqual(['bad-data', true]);
  });

  it('decodes a gzip Content-Encoding', async () => {
    const r = await fetchList(`${srv.http}/gzip/list.txt`, opts());
    expect(r.status === 'fresh' && r.body.toString()).toBe(BODY);
  });

  it('follows redirects up to the limit', async () => {
    const r = await fetchList(`${srv.http}/redirect/3/list.txt`, opts());
    expect(r.status === 'fresh' && r.body.length).toBe(BODY.length);
    expect((await failure(`${srv.http}/redirect/4/list.txt`)).message).toMatch(/more than 3 redirects/);
  });

  it('goes through the proxy of https_proxy (CONNECT, TLS verified end to end) and http_proxy; no_proxy bypasses it', async () => {
    const before = srv.proxied().length;
    const r = await fetchList(`${srv.https}/list.txt`, opts({ env: { https_proxy: srv.proxy } }));
    expect(r.status === 'fresh' && r.body.toString()).toBe(BODY);
    const h = await fetchList(`${srv.http}/list.txt`, opts({ env: { HTTP_PROXY: srv.proxy } }));
    expect(h.status === 'fresh' && h.body.toString()).toBe(BODY);
    const port = new URL(srv.https).port;
    expect(srv.proxied().slice(before)).toEqual([`CONNECT 127.0.0.1:${port}`, `GET ${srv.http}/list.txt`]);
    await fetchList(`${srv.https}/list.txt`, opts({ env: { https_proxy: srv.proxy, no_proxy: 'localhost,127.0.0.1' } }));
    expect(srv.proxied().length).toBe(before + 2);
    expect((await failure(`${srv.https}/list.txt`, { env: { https_proxy: srv.proxy }, ca: undefined })).message).toMatch(/certificate/i);
  });

  it('a proxy that is down is unavailable', async () => {
    const e = await failure(`${srv.http}/list.txt`, { env: { http_proxy: 'http://127.0.0.1:9' } });
    expect([e.kind, /ECONNREFUSED/.test(e.message)]).toEqual(['unavailable', true]);
  });
});
