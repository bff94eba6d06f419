// The restart throttle of a supervised module: its window, its give-up, and a start forgetting it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetRestarts, readRestarts, takeRestart } from '../../../../master/lib/module/supervise.js';

describe('takeRestart', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'restarts-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 21, 6, 0, 0) + minutes * 60_000);

  it('allows 5 restarts within 10 minutes, gives up at the 6th, and stays given up', () => {
    expect([0, 1, 2, 3, 4].map((m) => takeRestart(dir, 'WatchLG', at(m)))).toEqual([1, 2, 3, 4, 5].map((n) => ({ kind: 'start', n })));
    expect(takeRestart(dir, 'WatchLG', at(5))).toEqual({ kind: 'give-up', n: 5 });
    // Even when the window has moved on: given up until the next watcher start.
    expect(takeRestart(dir, 'WatchLG', at(60))).toEqual({ kind: 'given-up', at: at(5).toISOString() });
    expect(takeRestart(dir, 'WatchMX', at(60))).toEqual({ kind: 'start', n: 1 });
    forgetRestarts(dir);
    expect(readRestarts(dir, 'WatchLG')).toEqual({ times: [] });
    expect(takeRestart(dir, 'WatchLG', at(61))).toEqual({ kind: 'start', n: 1 });
  });

  it('counts only the restarts of the last 10 minutes: a module that dies now and then is never given up', () => {
    for (let m = 0; m < 60; m += 3) expect(takeRestart(dir, 'WatchLG', at(m)).kind).toBe('start');
    expect(readRestarts(dir, 'WatchLG').times).toHaveLength(4); // at 48, 51, 54, 57
  });

  it('takes a garbled file as no restarts', () => {
    writeFileSync(join(dir, 'WatchLG.restarts'), '{"times": 3');
    expect(takeRestart(dir, 'WatchLG', at(0))).toEqual({ kind: 'start', n: 1 });
  });
});
