// WatchWB's shipped rules over the generated corpus of web attacks and harmless traffic
// (bench/web-corpus.ts): every attack line is counted for the peer the server wrote and the
// instance the server tagged, but the few a log line cannot tell from harmless traffic; no
// harmless line is counted at LEVEL normal. Before, the rules counted nothing of web shells,
// most CVE probes, nested log4j lookups, quote-closing SQL injection, event-handler XSS, other
// protocols on the web port, and a scanner whose referrer held a quote; and they counted
// searches for "union select committee" or 'rock' and 'roll' as SQL injection.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attackLines, benignLines, judge, openCorpus } from '../../bench/web-corpus.js';

const RULES = join(__dirname, '../../modules/WatchWB/rules');
const corpus = openCorpus(RULES);
afterAll(() => corpus.close());

/** Lines a web server's log cannot tell from harmless traffic: never counted, said so here. */
const UNCOUNTABLE: [RegExp, string][] = [
  // Tomcat's manager answers every first request 401, the administrator's too.
  [/"GET \/manager\/html HTTP\/1\.1" 401 /, "the manager's challenge"],
  // ThinkPHP's captcha route; the exploit is in the body, which no access log shows.
  [/"POST \/index\.php\?s=captcha HTTP\/1\.1" 200 /, 'a payload in the body'],
];
const uncountable = (text: string): boolean => UNCOUNTABLE.some(([re]) => re.test(text));

describe('the generated web corpus through the shipped rules', () => {
  const attacks = attackLines();
  const harmless = benignLines();

  it.each(['normal', 'strict'] as const)('counts every attack line at %s for its peer and instance, but those a log cannot tell apart', (level) => {
    const wrong: string[] = [];
    const missed: string[] = [];
    for (const l of attacks) {
      const j = judge(corpus.sets[level], corpus.view, l);
      if (j.result === 'other' || j.result === 'instance') wrong.push(`${j.result} ${j.rule} ${j.address}: ${l.text}`);
      // Scripts answered 404 on a generic instance are counted at strict only (a stale link gives one too).
      else if (j.result === 'none' && !uncountable(l.text) && !(level === 'normal' && l.group === 'script-404 (strict)')) missed.push(`${l.group}: ${l.text}`);
    }
    expect(wrong).toEqual([]);
    expect(missed).toEqual([]);
    expect(attacks.length).toBeGreaterThan(6000);
  });

  it('counts no harmless line at normal; at strict only Nextcloud\'s WebDAV challenges', () => {
    const counted = (level: 'normal' | 'strict') => harmless.flatMap((l) => {
      const j = judge(corpus.sets[level], corpus.view, l);
      return j.address === null ? [] : [`${j.rule}: ${l.text}`];
    });
    expect(counted('normal')).toEqual([]);
    // A Nextcloud client's PROPFIND answered 401 carries no user name: strict reads it as a wrong app password.
    const strict = counted('strict');
    expect(strict.length).toBe(4);
    for (const s of strict) expect(s).toMatch(/^nextcloud-dav: .*"PROPFIND \/remote\.php\/dav\/files\/alice\/ HTTP\/1\.1" 401 /);
    expect(harmless.length).toBeGreaterThan(2000);
  });
});
