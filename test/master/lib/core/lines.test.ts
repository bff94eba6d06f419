// Byte chunks to lines: a line over MAX_LINE is discarded whole, and marked for rules/Test.
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE, OVERLONG } from '../../../../master/lib/core/lines.js';

describe('LineSplitter', () => {
  const long = 'x'.repeat(MAX_LINE + 1);
  const chunks = [Buffer.from(`a\n${long.slice(0, 5000)}`), Buffer.from(`${long.slice(5000)}\nb\r\n`), Buffer.from(`${'y'.repeat(MAX_LINE)}\n`), Buffer.from(long)];

  it('leaves a line over MAX_LINE out and counts it, across chunks and at the end', () => {
    const s = new LineSplitter();
    const out = [...chunks.flatMap((c) => s.push(c)), ...s.end()];
    expect(out.map((l) => l.slice(0, 3))).toEqual(['a', 'b', 'yyy']);
    expect(s.overlong).toBe(2);
  });

  it('puts OVERLONG where such a line stood when asked to', () => {
    const s = new LineSplitter();
    const out = [...chunks.flatMap((c) => s.pushMarked(c)), ...s.endMarked()];
    expect(out.map((l) => (l === OVERLONG ? 'overlong' : l.slice(0, 3)))).toEqual(['a', 'overlong', 'b', 'yyy', 'overlong']);
    expect(s.overlong).toBe(2);
  });
});
