// The whois client (RFC 3912): one TCP connection per query, the query and CRLF out, the answer
// read until the server closes. Bounded in time and size: a stalling or flooding server costs
// at most `timeoutMs` and `maxBytes`.
import { connect } from 'node:net';

export interface WhoisOptions {
  /** The whole query, connect included, in milliseconds. */
  timeoutMs: number;
  /** Bytes of answer read at most; the rest is not read (the answer is marked cut). */
  maxBytes: number;
}

/** An answer; `cut` when it was longer than maxBytes. */
export interface WhoisAnswer { text: string; cut: boolean; ms: number }

/** Why a query got no answer: timeout, connect (refused, unreachable, no such host), or reset. */
export class WhoisFailure extends Error {
  constructor(readonly server: string, readonly kind: 'timeout' | 'connect' | 'reset', message: string) {
    super(`${server}: ${message}`);
    this.name = 'WhoisFailure';
  }
}

/** Ask `host:port` one query. */
export function queryWhois(host: string, port: number, query: string, o: WhoisOptions): Promise<WhoisAnswer> {
  const server = `${host}:${port}`;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let done = false;
    const sock = connect({ host, port });
    const finish = (err?: WhoisFailure, cut = false): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve({ text: Buffer.concat(chunks).toString('utf8'), cut, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish(new WhoisFailure(server, 'timeout', `no complete answer within ${o.timeoutMs} ms${connected ? ` (${size} bytes read)` : ' (no connection)'}`)), o.timeoutMs);
    sock.on('connect', () => { connected = true; sock.write(`${query}\r\n`); });
    sock.on('data', (c: Buffer) => {
      const room = o.maxBytes - size;
      if (c.length >= room) { chunks.push(c.subarray(0, room)); size += room; finish(undefined, c.length > room || !sock.readableEnded); return; }
      chunks.push(c);
      size += c.length;
    });
    sock.on('end', () => finish());
    sock.on('error', (e: NodeJS.ErrnoException) => finish(new WhoisFailure(server, connected ? 'reset' : 'connect', e.code ? `${e.code} (${e.message})` : e.message)));
  });
}
