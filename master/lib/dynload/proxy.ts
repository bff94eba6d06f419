// The proxy environment of curl and wget: http_proxy, https_proxy (or HTTPS_PROXY), no_proxy.
import { connect as netConnect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';

/** The proxy URL to use for a request to `url`, or undefined (none set, or no_proxy matches). */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const pick = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const raw = url.protocol === 'https:' ? pick('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY') : pick('http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY');
  if (!raw || bypassed(url, pick('no_proxy', 'NO_PROXY') ?? '')) return undefined;
  try {
    const p = new URL(raw.includes('://') ? raw : `http://${raw}`);
    return p.protocol === 'http:' ? p : undefined;
  } catch { return undefined; }
}

// no_proxy as curl reads it: '*', host names and their subdomains, optional :port, leading dots.
function bypassed(url: URL, list: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  for (const item of list.split(/[,\s]+/).filter(Boolean)) {
    if (item === '*') return true;
    const [name, port] = item.toLowerCase().replace(/^\./, '').split(/:(?=\d+$)/);
    if (port && port !== (url.port || (url.protocol === 'https:' ? '443' : '80'))) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The Proxy-Authorization header of a proxy URL with user:password, or undefined. */
export function proxyAuth(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

/** A TCP tunnel to url's host through the proxy (HTTP CONNECT); rejects on any answer but 2xx. */
export function openTunnel(proxy: URL, url: URL, timeoutMs: number): Promise<Socket> {
  // URL.hostname keeps an IPv6 literal's brackets: the authority form CONNECT wants.
  const host = `${url.hostname}:${url.port || 443}`;
  return new Promise((resolve, reject) => {
    const auth = proxyAuth(proxy);
    const req = httpRequest({
      host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80), method: 'CONNECT', path: host,
      headers: { host, ...(auth ? { 'proxy-authorization': auth } : {}) },
      createConnection: (o) => netConnect({ host: o.host as string, port: Number(o.port) }),
    });
    const timer = setTimeout(() => req.destroy(new Error(`proxy ${proxy.host}: no tunnel within ${timeoutMs} ms`)), timeoutMs);
    req.once('connect', (res, socket) => {
      clearTimeout(timer);
      if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) resolve(socket);
      else { socket.destroy(); reject(new Error(`proxy ${proxy.host} refused the tunnel to ${host}: HTTP ${res.statusCode}`)); }
    });
    req.once('error', (e) => { clearTimeout(timer); reject(new Error(`proxy ${proxy.host}: ${e.message}`)); });
    req.end();
  });
}
