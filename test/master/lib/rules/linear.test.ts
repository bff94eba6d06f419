// Patterns in linear time: what the linear engine takes, which shapes backtrack (check-rule's
// warning), and that trying a pattern only where it may start changes no verdict.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../helpers/install.js';
import { compileLinear, runsLinear, NotLinearError } from '../../../../master/lib/rules/linear.js';
import { translateEre } from '../../../../master/lib/rules/ere.js';
import { findBacktracking, firstCharTest } from '../../../../master/lib/rules/shape.js';
import { readRuleSet } from '../../../../master/lib/rules/ruleset.js';
import { readSamples } from '../../../../master/lib/rules/samples.js';
import { findMessageStart } from '../../../../master/lib/rules/header.js';
import { execAnchored, execAtStarts } from '../../../../master/lib/rules/anchor.js';
import { parseSuperflousMap } from '../../../../master/lib/rules/maps.js';

const SETS = ['WatchLG/rules', 'WatchMB/rules', 'WatchMB/rules-dovecot', 'WatchMX/rules', 'WatchMX/rules-exim'].map((d) => join(REPO, 'modules', d));

describe('the linear-time engine', () => {
  it('is on: a lookaround is refused, a plain pattern compiles', () => {
    expect(runsLinear('a(?=b)')).toBe(false);
    expect(() => compileLinear('a(?=b)')).toThrow(NotLinearError);
    expect(compileLinear(': Failed .* from ').test('x: Failed password for root from 192.0.2.1')).toBe(true);
  });

  it('takes every ERE: \\< and \\> become \\b beside a word character, intervals are written out', () => {
    expect(translateEre('\\<root\\>')).toBe('\\broot\\b');
    expect(translateEre('x{2,4}')).toBe('xx(?:x(?:x)?)?');
    expect(translateEre('[0-9]{3,}')).toBe('[0-9][0-9][0-9][0-9]*');
    for (const ere of ['[0-9a-f]{32}', '([0-9]{1,3}\\.){3}[0-9]{1,3}', '(a{1,5}){1,5}', '\\<[[:alpha:]]+\\>', 'x{0,255}']) expect(runsLinear(translateEre(ere)), ere).toBe(true);
    const md5 = compileLinear(`^${translateEre('[0-9a-f]{32}')}$`);
    expect([md5.test('a'.repeat(32)), md5.test('a'.repeat(31)), md5.test('a'.repeat(33))]).toEqual([true, false, false]);
  });

  it('refuses what has no exact linear form, naming it', () => {
    expect(() => translateEre('\\<(a|b)')).toThrow(/\\< needs a word character after it/);
    expect(() => translateEre('a*\\>')).toThrow(/\\> needs a word character before it/);
    expect(() => translateEre('a{2}{3}')).toThrow(/repeated quantifier/);
    expect(() => translateEre('(x{1,200}){1,200}')).toThrow(/makes the pattern longer than/);
  });

  it('runs every shipped pattern; the shipped rule sets have no pattern that backtracks', () => {
    for (const dir of SETS) {
      const { set, problems } = readRuleSet(dir);
      expect(problems, dir).toEqual([]);
      expect(set!.warnings, dir).toEqual([]);
      for (const r of set!.rules) for (const re of [r.regex, r.tries]) if (re) expect(runsLinear(re.source), `${r.file}:${r.line}`).toBe(true);
      if (set!.superflous) expect(runsLinear(set!.superflous.source), dir).toBe(true);
    }
  });
});

describe('the shape of a pattern', () => {
  const cases: [string, RegExp | undefined][] = [
    ['(a+)+$', /a\+ inside the repeated \(a\+\)\+ .* \(exponential\)/],
    ['(x[^ ]*)+y', /\[\^ \]\* inside the repeated \(x\[\^ \]\*\)\+/],
    ['(a|b)+c', undefined],
    ['([0-9]+\\.)+x', undefined],
    ['([0-9]{1,3}\\.)+x', undefined],
    ['.* port [0-9]+: .*\\[preauth\\]', /^\.\* and \.\* can take the same text.*\(polynomial\)$/],
    ['[^ ]*[^ ]*x', /\[\^ \]\* and \[\^ \]\*/],
    ['.* port [0-9]+: Too many', undefined],
    ['[^ ]+ [^ ]+ x', undefined],
    ['Connection from [^ ]+ port [0-9]+: .*\\[preauth\\]', undefined],
    [' H=.* rejected (RCPT|MAIL) [^ ]*( [^ ]*){0,7}( is listed at |RBL )', undefined],
  ];
  it.each(cases)('%s', (ere, want) => {
    const why = findBacktracking(translateEre(ere));
    if (want) expect(why).toMatch(want); else expect(why).toBeUndefined();
  });

  it('knows the characters that can start a match', () => {
    const t = firstCharTest(translateEre('(sshd|postfix)\\[|: x'))!;
    expect(['s', 'p', ':', 'x', ' '].map((c) => t(c.charCodeAt(0)))).toEqual([true, true, true, false, false]);
    expect(t(NaN)).toBe(false);
    expect(firstCharTest(translateEre('x*'))).toBeUndefined();
  });
});

describe('anchored matching', () => {
  it('tried only where a match may start, it gives every sample the same match as one search', () => {
    let n = 0;
    for (const dir of SETS) {
      const { set } = readRuleSet(dir);
      const regexes = [...set!.rules.flatMap((r) => [r.regex, r.tries].filter((re): re is RegExp => re !== undefined)), ...(set!.superflous ? [set!.superflous] : [])];
      for (const s of readSamples(dir)) {
        const at = findMessageStart(s.text);
        for (const re of regexes) {
          expect(execAtStarts(re, s.text, at)?.[0], `${s.file}:${s.line} ${re.source}`).toBe(execAnchored(re, s.text, at)?.[0]);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  it('a long line is not searched past the message start: a pattern planted in the message matches nothing', () => {
    const { regex } = parseSuperflousMap('CRON\\[\n', 'superflous_map');
    const head = 'Nov  1 00:00:00 h sshd[1]: ';
    const long = `${head}${'x'.repeat(600)} CRON[1]: planted`;
    expect(execAnchored(regex!, long, findMessageStart(long))).toBeNull();
    const own = `Nov  1 00:00:00 h CRON[1]: ${'x'.repeat(600)}`;
    expect(execAnchored(regex!, own, findMessageStart(own))?.index).toBe(18);
  });
});
