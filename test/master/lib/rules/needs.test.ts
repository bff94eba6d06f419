// needs.ts: the texts one of which every match of a pattern contains. A wrong text would leave a
// pattern out of a line it matches, so each case is checked against the regex itself too.
import { describe, expect, it } from 'vitest';
import { needsOf } from '../../../../master/lib/rules/needs.js';
import { translateEre } from '../../../../master/lib/rules/ere.js';

const of = (ere: string): string[] | undefined => needsOf(translateEre(ere))?.sort();

describe('the texts a pattern needs', () => {
  it("reads log4j's and shellshock's texts past the text a match starts with", () => {
    expect(of('[:] [^ ]+ .*(\\$\\{|%7[Bb])[^ "]*([Jj][Nn][Dd][Ii]|[Ll][Oo][Ww][Ee][Rr]:|::-[jJ])')).toEqual(['${', '%7B', '%7b']);
    expect(of('[:] [^ ]+ .*"\\(\\) ?\\{ ?[:a-z_]*; ?\\} ?;')).toEqual(['"()']);
    expect(of(': [^ ]+ .*(File does not exist|script not found): ')).toEqual(['File does not exist: ', 'script not found: ']);
  });

  it('takes nothing from an optional part, an alternative without a text, or a pattern that ignores case', () => {
    expect(of(': .*(abc)?')).toBeUndefined();
    expect(of(': .*(abc)*x')).toBeUndefined();
    expect(of(': .*(abc|[a-z]+)')).toBeUndefined();
    expect(of(': .*abc|x+')).toBeUndefined();
    expect(of(': .*abc|: .*xy')).toEqual([': ', 'abc']);
    expect(needsOf('.*abc', 'i')).toBeUndefined();
    expect(of(': .*(ab)+')).toEqual(['ab']);
  });

  it('takes no text shorter than two characters, nor one that more than eight spellings would need', () => {
    expect(of(': .*x')).toBeUndefined();
    expect(of(': .*[ABCDE]x')).toBeUndefined();
    expect(of(': .*[Aa][Bb][Cc]')).toHaveLength(8);
    expect(of(': .*[Aa][Bb][Cc][Dd]')).toEqual(['ABC', 'ABc', 'AbC', 'Abc', 'aBC', 'aBc', 'abC', 'abc']);
  });

  it('never names a text a match lacks', () => {
    const cases: [string, string[]][] = [
      ['[:] [^ ]+ .*(\\$\\{|%7[Bb])x', [': a ${x', ': a %7bx', ': a %7Bx']],
      ['[:] [^ ]+ .*"\\(\\) ?\\{', [': a "(){', ': a "() {']],
      [': .*(abb+cd|xy)z', [': abbbcdz', ': xyz']],
    ];
    for (const [ere, lines] of cases) {
      const texts = of(ere)!;
      for (const l of lines) {
        expect(new RegExp(translateEre(ere)).test(l), l).toBe(true);
        expect(texts.some((t) => l.includes(t)), `${ere} ${l}`).toBe(true);
      }
    }
  });
});
