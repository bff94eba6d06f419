import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineWriter, Trace } from '../../../../master/lib/core/log.js';
import { formatStamp, type Clock } from '../../../../master/lib/core/clock.js';

const pinned: Clock = { now: () => new Date(2023, 3, 30, 11, 27, 7, 444).getTime(), mono: () => 0 };

describe('log and trace writers', () => {
  it('write the seeds\' line shape into a 0600 file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wlog-'));
    const w = new LineWriter(join(dir, 'sub', 'WatchMB.trace'), 'WatchMB', pinned, 18738);
    w.write("[inject] TRUEHOST 93.42.155.2 'Initial 1/5'");
    w.close();
    const path = join(dir, 'sub', 'WatchMB.trace');
    expect(readFileSync(path, 'utf8')).toBe("2023-04-30T11:27:07.444 WatchMB[18738]: [inject] TRUEHOST 93.42.155.2 'Initial 1/5'\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('tightens an existing world-readable file to 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wlog-'));
    const path = join(dir, 'x.log');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o644);
    const w = new LineWriter(path, 'X', pinned, 1);
    w.write('new');
    w.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^old\n.* X\[1\]: new\n$/);
  });

  it('writes no trace when TRACE is empty, even TRACE=0 is on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wlog-'));
    const off = new Trace(join(dir, 'off.trace'), 'WatchLG', '');
    off.write('x');
    off.close();
    expect(existsSync(join(dir, 'off.trace'))).toBe(false);
    const on = new Trace(join(dir, 'on.trace'), 'WatchLG', '0');
    on.write('x');
    on.close();
    expect(readFileSync(join(dir, 'on.trace'), 'utf8')).toMatch(/ WatchLG\[\d+\]: x\n$/);
  });

  it('formats local time with milliseconds', () => {
    expect(formatStamp(pinned.now())).toBe('2023-04-30T11:27:07.444');
  });
});
