// Fetching a list over HTTP(S): timeouts, a size cap, a redirect limit, verified TLS, conditional
// requests and the proxy environment. Nothing here knows what a list holds.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { openTunnel, proxyAuth, proxyFor } from './proxy.js';

export interface FetchOptions {
  /** Milliseconds to open the connection (TCP and TLS, or the proxy's tunnel). */
  connectMs: number;
  /** Milliseconds for the whole download, redirects included. */
  totalMs: number;
  /** Largest body taken, in bytes. */
  maxBytes: number;
  maxRedirects: number;
  /** PEM certificates trusted besides the system's (a private CA, a test's own). */
  ca?: string;
  /** Validators of the copy we hold: an unchanged list answers 304. */
  etag?: string;
  lastModified?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes received so far and the announced length, while the body comes in. */
  progress?: (bytes: number, total?: number) => void;
}

export type FetchResult =
  | { status: 'unchanged'; url: string }
  | { status: 'fresh'; url: string; body: Buffer; etag?: string; lastModified?: string; contentType?: string };

/** Why a download failed; `kind` chooses the exit code (unavailable 69, bad data 65). */
export class FetchError extends Error {
  constructor(message: string, readonly kind: 'unavailable' | 'bad-data') { super(message); this.name = 'FetchError'; }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// Connections kept open between the downloads of one run (geo fetches 500 zone files of one host).
const agents = new Map<string, HttpAgent>();
function agentFor(protocol: string, ca: string[] | undefined): HttpAgent {
  const key = `${protocol}${ca ? ca.length : 0}`;
  let a = agents.get(key);
  if (!a) agents.set(key, (a = protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 8, ca, rejectUnauthorized: true }) : new HttpAgent({ keepAlive: true, maxSockets: 8 })));
  return a;
}

/** Close the connections kept open (the end of a run). */
export function closeConnections(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** GET `url`, following redirects (never from https to http); the body in full or a FetchError. */
export async function fetchList(url: string, o: FetchOptions): Promise<FetchResult> {
  const deadline = Date.now() + o.totalMs;
  let at = parseUrl(url);
  for (let hops = 0; ; hops++) {
    const res = await get(at, o, deadline);
    const code = res.statusCode ?? 0;
    if (REDIRECTS.has(code)) {
      res.resume();
      const loc = res.headers.location;
      if (!loc) throw new FetchError(`${at.href}: HTTP ${code} without a Location`, 'unavailable');
      if (hops >= o.maxRedirects) throw new FetchError(`${url}: more than ${o.maxRedirects} redirects (last to ${loc})`, 'unavailable');
      const next = parseUrl(new URL(loc, at).href);
      if (at.protocol === 'https:' && next.protocol !== 'https:') throw new FetchError(`${at.href}: redirect from https to ${next.protocol} refused (${next.href})`, 'unavailable');
      at = next;
      continue;
    }
    if (code === 304 && (o.etag || o.lastModified)) { res.resume(); return { status: 'unchanged', url: at.href }; }
    if (code !== 200) { res.resume(); throw new FetchError(`${at.href}: HTTP ${code} ${res.statusMessage ?? ''}`.trim(), 'unavailable'); }
    const body = await readBody(res, at, o, deadline);
    const header = (n: string): string | undefined => { const v = res.headers[n]; return typeof v === 'string' && v.length <= 512 ? v : undefined; };
    return { status: 'fresh', url: at.href, body, etag: header('etag'), lastModified: header('last-modified'), contentType: header('content-type') };
  }
}

function parseUrl(s: string): URL {
  let u: URL;
  try { u = new URL(s); } catch { throw new FetchError(`${JSON.stringify(s)} is not a URL`, 'unavailable'); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FetchError(`${s}: only http and https are fetched`, 'unavailable');
  return u;
}

// One request; resolves with the response head once it came within the connect and total times.
async function get(url: URL, o: FetchOptions, deadline: number): Promise<IncomingMessage> {
  const proxy = proxyFor(url, o.env);
  const left = (): number => Math.max(1, deadline - Date.now());
  const headers: Record<string, string> = { 'user-agent': 'Watcher-dynloader/1.4', accept: '*/*', 'accept-encoding': 'gzip, identity' };
  if (o.etag) headers['if-none-match'] = o.etag;
  if (o.lastModified) headers['if-modified-since'] = o.lastModified;
  const ca = o.ca ? [...rootCertificates, o.ca] : undefined;
  const opts: RequestOptions & { ca?: string[]; servername?: string } = { method: 'GET', headers, ca };
  const why = (e: Error): FetchError => e instanceof FetchError ? e : new FetchError(`${url.href}${proxy ? ` (through proxy ${proxy.host})` : ''}: ${e.message}`, 'unavailable');
  let make = url.protocol === 'https:' ? httpsRequest : httpRequest;
  if (proxy && url.protocol === 'http:') {
    Object.assign(opts, { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80), path: url.href });
    const auth = proxyAuth(proxy);
    if (auth) headers['proxy-authorization'] = auth;
  } else {
    Object.assign(opts, { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), path: `${url.pathname}${url.search}` });
    if (proxy) {
      const tunnel = await withTimeout(openTunnel(proxy, url, Math.min(o.connectMs, left())), left(), `${url.href}: no answer within the total time`).catch((e: Error) => { throw why(e); });
      const servername = url.hostname.replace(/^\[|\]$/g, '');
      const tls = tlsConnect({ socket: tunnel, servername: /^[\d.]+$|:/.test(servername) ? undefined : servername, ca, rejectUnauthorized: true });
      Object.assign(opts, { agent: undefined, createConnection: () => tls });
      make = httpRequest;
    }
  }
  if (!('createConnection' in opts)) opts.agent = proxy ? false : agentFor(url.protocol, ca);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = make(opts);
    const total = setTimeout(() => req.destroy(new FetchError(`${url.href}: no answer within ${o.totalMs} ms`, 'unavailable')), left());
    const connect = setTimeout(() => req.destroy(new FetchError(`${url.href}: no connection within ${o.connectMs} ms`, 'unavailable')), Math.min(o.connectMs, left()));
    req.once('socket', (s) => {
      const up = (): void => clearTimeout(connect);
      // A tunnel, or a kept connection, is connected already.
      if ('createConnection' in opts || (!s.connecting && !(s as { pending?: boolean }).pending)) { up(); return; }
      s.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', up);
    });
    req.once('response', (res) => { clearTimeout(connect); res.once('close', () => clearTimeout(total)); (res as IncomingMessage & { deadline?: NodeJS.Timeout }).deadline = total; resolve(res); });
    req.once('error', (e) => { clearTimeout(connect); clearTimeout(total); reject(why(e)); });
    req.end();
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { t = setTimeout(() => reject(new FetchError(message, 'unavailable')), ms); })]).finally(() => clearTimeout(t));
}

// The body in full: a cut connection, a short body (Content-Length), a body over the cap or past the deadline is an error.
function readBody(res: IncomingMessage, url: URL, o: FetchOptions, deadline: number): Promise<Buffer> {
  const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  if (declared !== undefined && declared > o.maxBytes) {
    res.destroy();
    return Promise.reject(new FetchError(`${url.href}: ${declared} bytes announced, more than the cap of ${o.maxBytes}`, 'bad-data'));
  }
  const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
  let stream: Readable = res;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(createGunzip());
  else if (encoding !== 'identity') { res.destroy(); return Promise.reject(new FetchError(`${url.href}: unknown Content-Encoding ${encoding}`, 'bad-data')); }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let raw = 0, size = 0, done = false;
    const fail = (e: FetchError): void => { if (done) return; done = true; res.destroy(); stream.destroy(); reject(e); };
    const timer = setTimeout(() => fail(new FetchError(`${url.href}: download not finished within ${o.totalMs} ms (${raw} bytes received)`, 'unavailable')), Math.max(1, deadline - Date.now()));
    clearTimeout((res as IncomingMessage & { deadline?: NodeJS.Timeout }).deadline);
    res.on('data', (c: Buffer) => { raw += c.length; o.progress?.(raw, declared); });
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > o.maxBytes) return fail(new FetchError(`${url.href}: more than the cap of ${o.maxBytes} bytes`, 'bad-data'));
      chunks.push(c);
    });
    stream.once('error', (e) => { clearTimeout(timer); fail(new FetchError(`${url.href}: ${encoding !== 'identity' ? `bad ${encoding} body: ` : ''}${e.message}`, encoding !== 'identity' ? 'bad-data' : 'unavailable')); });
    res.once('aborted', () => { clearTimeout(timer); fail(new FetchError(`${url.href}: connection cut after ${raw} bytes${declared !== undefined ? ` of ${declared}` : ''}`, 'unavailable')); });
    res.once('error', (e) => { clearTimeout(timer); fail(new FetchError(`${url.href}: connection cut after ${raw} bytes${declared !== undefined ? ` of ${declared}` : ''} (${e.message})`, 'unavailable')); });
    stream.once('end', () => {
      clearTimeout(timer);
      if (done) return;
      if (!res.complete || (declared !== undefined && raw !== declared)) return fail(new FetchError(`${url.href}: truncated: ${raw} bytes of ${declared ?? 'an unknown length'}`, 'unavailable'));
      done = true;
      resolve(Buffer.concat(chunks));
    });
  });
}
