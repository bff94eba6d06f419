// Real web servers for a test: Debian's nginx and apache2 inside a network namespace and a
// private mount namespace whose /dev/log is the private rsyslogd's socket, each with its own
// configuration and prefix in a temp dir, logging through the lines WBinstance prints.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { requireTools, type Netns } from './netns.js';
import { privateMounts, serveInside } from './mountns.js';
import { apacheSnippet, nginxSnippet, nginxLogFormat } from '../../master/lib/web/snippets.js';

export interface Site { vhost: string; port: number; type: string }

export interface WebServer { dir: string; proc: ResultPromise; output(): string; stop(): Promise<void> }

// Basic auth user `alice`, password `secret` (htpasswd -b -m); both servers read it.
const HTPASSWD = 'alice:$apr1$9WZ4bTd.$hdraygSUtVrphDkps2osG0\n';

function nginxConf(dir: string, sites: Site[]): string {
  const types = [...new Set(sites.map((s) => s.type))];
  return [
    'worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, 'events { worker_connections 256; }',
    'http {', '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    ...types.map((t) => `  ${nginxLogFormat(t)}`),
    ...sites.map((s) => [
      `  server { listen ${s.port}; server_name ${s.vhost}; root ${dir}/www;`,
      ...nginxSnippet(s).split('\n').filter((l) => /^(access_log|error_log)/.test(l)).map((l) => `    ${l}`),
      `    location /private/ { auth_basic "private"; auth_basic_user_file ${dir}/htpasswd; }`,
      '  }'].join('\n')),
    '}', '',
  ].join('\n');
}

function apacheConf(dir: string, sites: Site[]): string {
  const mods = ['mpm_event', 'authz_core', 'authz_user', 'authn_core', 'authn_file', 'auth_basic', 'dir', 'mime'];
  return [
    `ServerRoot ${dir}`, ...mods.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    `PidFile ${dir}/apache.pid`, `DefaultRuntimeDir ${dir}`, `Mutex file:${dir} default`, 'User www-data', 'Group www-data',
    'ServerName localhost', `ErrorLog ${dir}/error.log`, `TypesConfig /etc/mime.types`,
    ...[...new Set(sites.map((s) => s.port))].map((p) => `Listen ${p}`),
    ...sites.map((s) => [
      `<VirtualHost *:${s.port}>`, `ServerName ${s.vhost}`, `DocumentRoot ${dir}/www`,
      `<Directory ${dir}/www>`, 'Require all granted', '</Directory>',
      '<Location /private/>', 'AuthType Basic', 'AuthName private', `AuthUserFile ${dir}/htpasswd`, 'Require valid-user', '</Location>',
      ...apacheSnippet(s).split('\n').filter((l) => l && !l.startsWith('#')),
      '</VirtualHost>'].join('\n')),
    '',
  ].join('\n');
}

/** Start nginx or apache2 in ns on `sites` (each on its port, any address); resolves once each port listens. */
export async function startWebServer(ns: Netns, kind: 'nginx' | 'apache', sites: Site[], logSocket: string): Promise<WebServer> {
  requireTools([kind === 'nginx' ? 'nginx' : 'apache2', 'logger', 'unshare', 'nsenter', 'mount', 'ss']);
  const dir = mkdtempSync(join(tmpdir(), `watcher-${kind}-`));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'));
  mkdirSync(join(dir, 'www/private'));
  writeFileSync(join(dir, 'www/index.html'), '<html><body>Hello</body></html>\n');
  writeFileSync(join(dir, 'www/private/index.html'), 'private\n');
  writeFileSync(join(dir, 'www/style.css'), 'body { color: black }\n');
  writeFileSync(join(dir, 'htpasswd'), HTPASSWD, { mode: 0o644 });
  const conf = join(dir, `${kind}.conf`);
  writeFileSync(conf, kind === 'nginx' ? nginxConf(dir, sites) : apacheConf(dir, sites));
  // The server and its loggers log to /dev/log of a mount namespace of their own: the private rsyslogd.
  const mnt = await privateMounts(ns, logSocket, `${kind} sandbox`);
  const { inside } = mnt;
  const [cmd, args, test] = kind === 'nginx'
    ? ['nginx', ['-c', conf, '-g', 'daemon off;'], ['-t', '-c', conf]]
    : ['apache2', ['-f', conf, '-DFOREGROUND'], ['-t', '-f', conf]];
  await inside(cmd, ...test);
  const { proc, output, stop } = await serveInside(ns, mnt, {
    argv: [cmd, ...args], dir, what: `${kind} on ${sites.map((s) => s.port).join(', ')}`, tries: 200,
    listening: (ss) => sites.every((s) => new RegExp(`:${s.port} `).test(ss)),
    log: () => { try { return readFileSync(join(dir, 'error.log'), 'utf8'); } catch { return ''; } },
  });
  return { dir, proc, output, stop };
}

/** One request with curl from a client namespace: the status code, or 0 when the connection failed (timed out); never throws. */
export async function request(client: Netns, url: string, opts: { host?: string; method?: string; agent?: string; user?: string; timeout?: number; data?: string; referer?: string; from?: string } = {}): Promise<{ status: number; stderr: string }> {
  requireTools(['curl']);
  // --globoff: braces and brackets of a payload go out as written.
  const args = ['-s', '-g', '-o', '/dev/null', '-w', '%{http_code}', '--path-as-is', '--connect-timeout', String(opts.timeout ?? 3), '-m', String((opts.timeout ?? 3) + 2)];
  if (opts.referer) args.push('-e', opts.referer);
  if (opts.from) args.push('--interface', opts.from);
  if (opts.host) args.push('-H', `Host: ${opts.host}`);
  if (opts.method) args.push('-X', opts.method);
  if (opts.agent) args.push('-A', opts.agent);
  if (opts.user) args.push('-u', opts.user);
  if (opts.data !== undefined) args.push('--data', opts.data);
  const r = await client.exec('curl', [...args, url]);
  return { status: Number(String(r.stdout).trim()) || 0, stderr: String(r.stderr) };
}
