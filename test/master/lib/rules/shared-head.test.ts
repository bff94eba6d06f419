// shared-head.ts: neighbouring patterns with a long shared beginning as one alternation. Which
// pattern matched is told by its empty group; the runs say which patterns are out of ladder order.
import { describe, expect, it } from 'vitest';
import { factorParts } from '../../../../master/lib/rules/shared-head.js';

const HEAD = '[:] [^\\[ ][^ ]* [^ ]+ [^"]*"[A-Z]+ [^ "]*';

describe('patterns with a shared beginning', () => {
  it('writes the shared beginning once and keeps the others apart, each with its group', () => {
    const sources = [': x', `${HEAD}(?:a|b)`, `${HEAD}c`, `${HEAD}(?:d)e`, 'p|q', `${HEAD}f`];
    const { source, runs } = factorParts(sources);
    expect(source.split(HEAD)).toHaveLength(3);
    expect(source).toBe(`(?:: x)()|(?:${HEAD}(?:(?:a|b)()|c()|(?:d)e()))|(?:p|q)()|(?:${HEAD}f)()`);
    expect(runs).toEqual([0, 1, 1, 1, 4, 5]);
  });

  it('matches a line where one of its patterns does, and names one that does', () => {
    const sources = [`${HEAD}(?:\\.\\./|%2[Ee])`, `${HEAD}(?:[Uu][Nn][Ii][Oo][Nn])`, `${HEAD}x+y`, ': z'];
    const one = new RegExp(factorParts(sources).source, 'y');
    for (const line of [': 1.2.3.4 - - "GET /a/../b?q=UNION HTTP/1.1"', ': 1.2.3.4 - - "GET /xxy HTTP/1.1"', ': z', ': 1.2.3.4 - - "GET / HTTP/1.1"', ': 1 "GET /%2e']) {
      one.lastIndex = 0;
      const m = one.exec(line);
      const each = sources.map((s) => new RegExp(s, 'y').test(line));
      expect(m !== null, line).toBe(each.includes(true));
      if (m !== null) expect(each[m.slice(1).findIndex((g) => g !== undefined)], line).toBe(true);
    }
  });
});
