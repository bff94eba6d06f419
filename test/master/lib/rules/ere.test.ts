import { describe, expect, it } from 'vitest';
import { compileEre, translateEre } from '../../../../master/lib/rules/ere.js';

describe('POSIX ERE to RegExp', () => {
  const cases: [string, string, boolean][] = [
    ['[[:digit:]]+ port', 'from 1 port', true],
    ['[[:digit:]]+ port', 'from x port', false],
    ['^a.c$', 'abc', true],
    ['a\\.c', 'abc', false],
    ['a\\.c', 'a.c', true],
    ['[\\d]', 'd', true], // a backslash inside brackets is a plain character
    ['[\\d]', '5', false],
    ['[]x]', ']', true],
    ['[^]x]', ']', false],
    ['x{2,3}', 'xx', true],
    ['x{2,3}', 'x', false],
    ['a{', 'a{', true],
    ['(ab|cd)+e', 'cdabe', true],
    ['\\<root\\>', 'for root from', true],
    ['\\<root\\>', 'for rooty', false],
    ['polkitd\\[', 'polkitd[535]', true],
    ['Error\\:\\[pop3\\]', 'Error:[pop3]', true],
    ['*x', '*x', true],
    ['a/b', 'a/b', true],
    ['[[:alpha:][:digit:]_-]+=', 'rhost_1=', true],
  ];
  it.each(cases)('%s on %s is %s', (ere, line, want) => {
    expect(compileEre(ere).test(line)).toBe(want);
  });

  it('refuses what POSIX has not: backreferences, (? groups, bad classes, unbalanced', () => {
    expect(() => translateEre('(a)\\1')).toThrow(/backreference/);
    expect(() => translateEre('(?=a)')).toThrow(/\(\? groups/);
    expect(() => translateEre('[[:word:]]')).toThrow(/unknown character class \[:word:\]/);
    expect(() => translateEre('(a')).toThrow(/unmatched \(/);
    expect(() => translateEre('a)')).toThrow(/unmatched \)/);
    expect(() => translateEre('[abc')).toThrow(/unterminated bracket/);
    expect(() => translateEre('a++')).toThrow(/repeated quantifier/);
  });

  it('never captures: groups become (?:', () => {
    expect(translateEre('(a|b)')).toBe('(?:a|b)');
  });
});
