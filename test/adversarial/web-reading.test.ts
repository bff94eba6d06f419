// What WatchWB spends on a line of its own, and what must not change while it spends less.
// Before, each superflous_map pattern began with `nginx: ` or `nginx[PID]: ` alike, so the ladder
// searched it through the whole of every access line; and the instance tag was parsed afresh on
// every line. Now each noise pattern begins with one spelling of the tag (tried only where the tag
// stands) and a tag's reading is kept; a kept reading never carries one line's X-Forwarded-For
// into another, and a register reread replaces the kept readings. The access line rules read an
// apache error line to its end; now they pass it at its first character (`[`), and the error
// rules alone read it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRuleSet, type RuleSet } from '../../master/lib/rules/ruleset.js';
import { outcomeOf } from '../../master/lib/rules/samples.js';
import { prefixesOf } from '../../master/lib/rules/shape.js';
import { compileEre } from '../../master/lib/rules/ere.js';
import { openWebView } from '../../master/lib/web/view.js';

const RULES = join(__dirname, '../../modules/WatchWB/rules');
const dir = mkdtempSync(join(tmpdir(), 'watcher-wb-reading-'));
const register = (text: string): void => writeFileSync(join(dir, 'instances'), text);
register('www.example.org:443 generic\nshop.example.org:443 generic trusted=10.0.0.0/8\n');
const logged: string[] = [];
const view = openWebView({ dir, rules: RULES, log: (m) => logged.push(m) });
const set: RuleSet = readRuleSet(RULES, 'normal').set!;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const access = (peer: string, req: string, status: number, inst: string, type: string, xff = '-'): string =>
  `Dec  2 20:00:00 web nginx: ${peer} - - "${req}" ${status} 153 "-" "python-requests/2.31.0" "${xff}" [Instance: ${inst}]@${type}`;
const verdict = (line: string): string => {
  const o = outcomeOf(set, line, undefined, view);
  return `${o.verdict} ${o.rule ?? '-'} ${o.address ?? '-'} ${o.instance ?? '-'}`;
};

describe('WatchWB: the cost of a line, the same verdicts', () => {
  it('begins every superflous_map pattern with one spelling of the tag, so it is tried only where the tag stands', () => {
    const patterns = readFileSync(join(RULES, 'superflous_map'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(patterns.length).toBeGreaterThan(0);
    for (const p of patterns) {
      const prefixes = prefixesOf(compileEre(p).source);
      expect(prefixes, p).toBeDefined();
      // Every text a match can begin with holds the same anchor of the ladder: `: ` or `[`.
      const anchored = prefixes!.every((x) => x.includes(': ')) || prefixes!.every((x) => x.includes('['));
      expect(anchored, `${p}: ${JSON.stringify(prefixes)}`).toBe(true);
    }
  });

  it('skips the servers\' notices with and without a pid in the tag, and never an access line that looks like one', () => {
    expect(verdict('Dec  2 20:00:00 web nginx: 2026/12/02 20:00:00 [notice] 812#812: signal process started')).toBe('skip - - -@generic');
    expect(verdict('Dec  2 20:00:00 web nginx[812]: 2026/12/02 20:00:00 [notice] 812#812: signal process started')).toBe('skip - - -@generic');
    expect(verdict('Dec  2 20:00:00 web httpd[9]: [core:notice] [pid 9] AH00094: Command line: \'/usr/sbin/apache2\' [Instance: www.example.org:443]@generic')).toBe('skip - - www.example.org:443@generic');
    // The noise's words inside a request are the client's: the line is still read as a probe.
    expect(verdict(access('203.0.113.5', 'GET /.env?nginx:%202026/12/02%2020:00:00%20[notice]%20 HTTP/1.1', 404, 'www.example.org:443', 'generic'))).toBe('match secret-files 203.0.113.5 www.example.org:443@generic');
  });

  it('reads an apache error line by the error rules only: a request quoted in it is no access line\'s try', () => {
    const error = (msg: string) => verdict(`Dec  2 20:00:00 web httpd: [core:error] [pid 9] [client 203.0.113.5:4000] ${msg} [Instance: www.example.org:443]@generic`);
    // Before, the access rules read it to its end and took the quoted text for a request.
    expect(error('AH00126: Invalid URI in request "GET /../../etc/passwd HTTP/1.1"')).toBe('match invalid-request 203.0.113.5 www.example.org:443@generic');
    expect(error('AH00128: File does not exist: /var/www/x, referer: "GET /.env HTTP/1.1" 404')).toBe('match error-line - www.example.org:443@generic');
    // A payload in an error line still counts, whatever rule reads it first.
    expect(error('AH00128: File does not exist: /var/www/${jndi:ldap://x.example/a}')).toBe('match log4j 203.0.113.5 www.example.org:443@generic');
  });

  it('reads each line\'s own X-Forwarded-For behind a trusted proxy, however often its tag was read', () => {
    const shop = (xff: string) => verdict(access('10.0.0.7', 'GET /.env HTTP/1.1', 404, 'shop.example.org:443', 'generic', xff));
    expect(shop('198.51.100.1')).toBe('match secret-files 198.51.100.1 shop.example.org:443@generic');
    expect(shop('198.51.100.2')).toBe('match secret-files 198.51.100.2 shop.example.org:443@generic');
    expect(shop('-')).toBe('match secret-files - shop.example.org:443@generic');
    expect(shop('198.51.100.3, 10.0.0.9')).toBe('match secret-files 198.51.100.3 shop.example.org:443@generic');
    // The same tag on an instance without proxies: the direct peer, its header ignored.
    expect(verdict(access('203.0.113.9', 'GET /.env HTTP/1.1', 404, 'www.example.org:443', 'generic', '198.51.100.1'))).toBe('match secret-files 203.0.113.9 www.example.org:443@generic');
  });

  it('tells apart tags of one length and first letter, and reads a garbled tag as no tag', () => {
    register('www.example.org:443 generic\nwww.example.net:443 static\nshop.example.org:443 generic trusted=10.0.0.0/8\n');
    expect(view.reload()).toEqual([]);
    const script = (inst: string, type: string) => verdict(access('203.0.113.5', 'GET /about.php HTTP/1.1', 200, inst, type));
    for (let k = 0; k < 3; k++) {
      expect(script('www.example.org:443', 'generic')).toBe('match normal - www.example.org:443@generic');
      expect(script('www.example.net:443', 'static')).toBe('match static-script 203.0.113.5 www.example.net:443@static');
    }
    expect(verdict(access('203.0.113.5', 'GET / HTTP/1.1', 200, 'www.example.org:99999', 'generic'))).toBe('match normal - -@generic');
  });

  it('reads every line right after a flood of tags the register does not name (a client can end an error line with one)', () => {
    for (let k = 0; k < 3000; k++) {
      const forged = `Dec  2 20:00:00 web httpd: [core:error] [pid 9] [client 203.0.113.${k % 250}:4000] AH00128: File does not exist: /var/www/x, referer: http://x [Instance: h${k}.example.org:443]@static`;
      expect(view.read(forged, forged.indexOf(': ') + 2).type).toBe('generic');
    }
    expect(verdict(access('203.0.113.5', 'GET /.env HTTP/1.1', 404, 'www.example.org:443', 'generic'))).toBe('match secret-files 203.0.113.5 www.example.org:443@generic');
    const viaProxy = access('10.0.0.7', 'GET /.env HTTP/1.1', 404, 'shop.example.org:443', 'generic', '198.51.100.8');
    expect(verdict(viaProxy)).toBe('match secret-files 198.51.100.8 shop.example.org:443@generic');
  });

  it('reads kept tags again after a reread of the register: the new type, the new proxies', () => {
    const line = access('10.0.0.7', 'GET /about.php HTTP/1.1', 200, 'shop.example.org:443', 'generic', '198.51.100.4');
    expect(verdict(line)).toBe('match normal - shop.example.org:443@generic');
    register('shop.example.org:443 static\n');
    expect(view.reload()).toEqual([]);
    expect(verdict(line)).toBe('match static-script 10.0.0.7 shop.example.org:443@static');
    register('shop.example.org:443 static trusted=10.0.0.0/8\n');
    expect(view.reload()).toEqual([]);
    expect(verdict(line)).toBe('match static-script 198.51.100.4 shop.example.org:443@static');
  });
  it('never takes the instance from a line cut short inside the client\'s text, nor from a server name a client wrote into an nginx error line', () => {
    register('static.example.org:443 static\nblog.example.org:443 wordpress\n');
    expect(view.reload()).toEqual([]);
    // logger -S / rsyslog's size limit cut the line inside the user agent, where the client wrote a tag.
    const cut = 'Dec  2 20:00:00 web httpd: 203.0.113.9 - - "GET /wp-login.php HTTP/1.1" 404 196 "-" "x [Instance: blog.example.org:443]@wordpress';
    expect(view.read(cut, cut.indexOf(': ') + 2).instance).toBe('-');
    // An escaped quote in the user agent leaves the field open; a whole line's tag is still read.
    const escaped = 'Dec  2 20:00:00 web httpd: 203.0.113.9 - - "GET /wp-login.php HTTP/1.1" 404 196 "-" "x\\" [Instance: blog.example.org:443]@wordpress';
    expect(view.read(escaped, escaped.indexOf(': ') + 2).instance).toBe('-');
    const whole = 'Dec  2 20:00:00 web httpd: 203.0.113.9 - - "GET /a\\"b HTTP/1.1" 404 196 "-" "x \\\\" [Instance: static.example.org:443]@static';
    expect(view.read(whole, whole.indexOf(': ') + 2).instance).toBe('static.example.org:443');
    // nginx writes the decoded path: `, server: ` in it names another block than the line's own.
    const spoof = 'Dec  2 20:00:00 web nginx: 2026/12/02 20:00:00 [error] 812#812: *7 open() "/var/www/a, server: blog.example.org, b/wp-login.php" failed (2: No such file or directory), client: 203.0.113.9, server: static.example.org, request: "GET /a,%20server:%20blog.example.org,%20b/wp-login.php HTTP/1.1", host: "static.example.org"';
    expect(view.read(spoof, spoof.indexOf(': ') + 2).instance).toBe('-');
    const plain = 'Dec  2 20:00:00 web nginx: 2026/12/02 20:00:00 [error] 812#812: *7 open() "/var/www/x.php" failed (2: No such file or directory), client: 203.0.113.9, server: static.example.org, request: "GET /x.php HTTP/1.1", host: "static.example.org"';
    expect(view.read(plain, plain.indexOf(': ') + 2).instance).toBe('static.example.org:443');
  });
});
