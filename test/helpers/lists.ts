// Real list providers for the dynloader tests: the fixture server (test/fixtures/listserver.mjs)
// with a CA and a server certificate made by openssl, started on loopback (in a namespace or not).
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO } from './install.js';
import { Netns, requireTools } from './netns.js';
import { makeInstallation, type Installation } from './install.js';
import { firewallLine, requireBackend, type Backend } from './backends.js';

export interface ListServer {
  dir: string;
  http: string;
  https: string;
  proxy: string;
  /** The CA's certificate (PEM file) that signed the server's. */
  ca: string;
  /** Write a file the server serves. */
  put(name: string, body: string | Buffer): void;
  /** Request lines received so far (method, path, validators). */
  requests(): string[];
  proxied(): string[];
  stop(): Promise<void>;
}

/** A CA and a certificate for 127.0.0.1 and localhost signed by it, made by openssl in `dir`. */
export async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  requireTools(['openssl']);
  const f = (n: string): string => join(dir, n);
  const ossl = (args: string[]) => execa('openssl', args, { cwd: dir });
  await ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Watcher test CA']);
  await ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await ossl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** Start the fixture server on 127.0.0.1 (inside `ns` when given). */
export async function startListServer(ns?: Netns): Promise<ListServer> {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-lists-'));
  const { ca, cert, key } = await makeCertificates(dir);
  const args = [join(REPO, 'test/fixtures/listserver.mjs'), '--dir', dir, '--cert', cert, '--key', key];
  const proc: ResultPromise = ns ? ns.exec(process.execPath, args, { buffer: false }) as ResultPromise : execa(process.execPath, args, { reject: false, buffer: false });
  const ports = await new Promise<{ http: number; https: number; proxy: number }>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => { out += c; if (out.includes('\n')) resolve(JSON.parse(out)); });
    void proc.then((r) => reject(new Error(`list server ended: ${String(r.stderr ?? '')}`)));
    setTimeout(() => reject(new Error('list server did not start within 20 s')), 20_000);
  });
  const lines = (f: string): string[] => existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean) : [];
  return {
    dir, ca,
    http: `http://127.0.0.1:${ports.http}`, https: `https://127.0.0.1:${ports.https}`, proxy: `http://127.0.0.1:${ports.proxy}`,
    put: (name, body) => writeFileSync(join(dir, name), body),
    requests: () => lines('requests.log'),
    proxied: () => lines('proxy.log'),
    stop: async () => { proc.kill('SIGKILL'); await proc.catch(() => undefined); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Spamhaus DROP JSON: one object a line, then the metadata line with the record count (or `records`). */
export function spamhausJson(entries: readonly (readonly [string, string])[], records: number = entries.length): string {
  const lines = entries.map(([cidr, sbl]) => JSON.stringify({ cidr, sblid: sbl, rir: 'ripencc' }));
  lines.push(JSON.stringify({ type: 'metadata', timestamp: 1764633600, size: 0, records, copyright: '(c) 2025 The Spamhaus Project SLU', terms: 'https://www.spamhaus.org/drop/terms/' }));
  return `${lines.join('\n')}\n`;
}

/** Spamhaus DROP legacy text: `; comment` header lines, then `CIDR ; SBLnnn`. */
export function spamhausText(entries: readonly (readonly [string, string])[]): string {
  return `; Spamhaus DROP List 2025/12/02 - (c) 2025 The Spamhaus Project SLU\n; Last-Modified: Tue, 02 Dec 2025 10:00:00 GMT\n${entries.map(([c, s]) => `${c} ; ${s}`).join('\n')}\n`;
}

/** n distinct public-looking /24 networks from a first octet (45: none reserved). */
export function nets24(n: number, first = 45): string[] {
  return Array.from({ length: n }, (_, i) => `${first + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
}

/** A network namespace with the backend's tools (iptables by default), the provider server in it and a throwaway installation without modules. */
export async function makeDynloadSandbox(loaderConf: string, backend: Backend = 'iptables'): Promise<{ ns: Netns; srv: ListServer; inst: Installation }> {
  // iptables also for the tests' own rules (a provider made unreachable).
  requireTools(['iptables', 'openssl']);
  requireBackend(backend);
  const ns = await Netns.create();
  const srv = await startListServer(ns);
  const inst = makeInstallation();
  inst.write('loader.conf', loaderConf);
  inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
  return { ns, srv, inst };
}
