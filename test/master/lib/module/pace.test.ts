// When a scanner commits: a line that comes alone at once, the commits of a burst spaced.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CommitPace, MAX_WAIT_MS } from '../../../../master/lib/module/pace.js';
import { Scanner } from '../../../../master/lib/module/scanner.js';
import { loadRuleSet } from '../../../../master/lib/rules/ruleset.js';
import { newCounters } from '../../../../master/lib/core/status.js';
import type { Injector } from '../../../../master/lib/module/inject.js';

/** A clock the test moves; each commit of the recording injector takes `commitMs`. */
function world(commitMs: number) {
  let t = 1000;
  const clock = { now: () => 1_700_000_000_000 + t, mono: () => t };
  const commits: number[] = [];
  let queued = 0;
  const injector = { submit: () => { queued++; }, flush: () => { commits.push(queued); queued = 0; t += commitMs; }, get queued() { return queued; } } as unknown as Injector;
  return { clock, commits, injector, advance: (ms: number) => { t += ms; } };
}

const line = (i: number) => `Nov  1 00:00:00 h sshd[${1000 + i}]: Failed password for root from 198.51.${i >> 8 & 255}.${i & 255} port 22 ssh2`;

function scanner(w: ReturnType<typeof world>): Scanner {
  const dir = mkdtempSync(join(tmpdir(), 'pace-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules/100-failed.rule'), "RULE=failed\nPattern=': Failed password for '\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n");
  writeFileSync(join(dir, 'rules/peer_map'), 'Failed password for .* from ADDR port [0-9]+ ssh2$\n');
  return new Scanner(loadRuleSet(join(dir, 'rules')), { injector: w.injector, counters: newCounters(), trace: { on: false, write: () => {} }, clock: w.clock });
}

describe('CommitPace', () => {
  it('lets a small commit be followed at once, and spaces the commits of a burst (at most MAX_WAIT_MS)', () => {
    let t = 0;
    const pace = new CommitPace({ now: () => t, mono: () => t });
    pace.done(5, 0);
    expect(pace.wait()).toBe(0);
    t = 10;
    pace.done(500, 8); // 2 ms for 500 affairs: the next one 8 ms later
    expect(pace.wait()).toBe(8);
    t = 15;
    expect(pace.wait()).toBe(3);
    t = 30;
    pace.done(3000, 20); // 10 ms: capped
    expect(pace.wait()).toBe(MAX_WAIT_MS);
    t = 30 + MAX_WAIT_MS;
    expect(pace.wait()).toBe(0);
  });
});

describe('Scanner commits', () => {
  it('commits each line that comes alone at once', () => {
    const w = world(0.2);
    const s = scanner(w);
    for (let i = 0; i < 5; i++) { s.scan([line(i)], true); w.advance(2); }
    expect(w.commits).toEqual([1, 1, 1, 1, 1]);
  });

  it('groups the chunks of a burst into fewer commits, and commits what waits within MAX_WAIT_MS', async () => {
    const w = world(5);
    const s = scanner(w);
    s.scan(Array.from({ length: 300 }, (_, i) => line(i)), true);
    expect(w.commits).toEqual([300]);
    // The reader catches up again 1 ms later: the commit waits (4 x 5 ms, at most MAX_WAIT_MS).
    w.advance(1);
    s.scan(Array.from({ length: 300 }, (_, i) => line(300 + i)), true);
    w.advance(1);
    s.scan(Array.from({ length: 300 }, (_, i) => line(600 + i)), true);
    expect(w.commits).toEqual([300]);
    await new Promise((r) => setTimeout(r, MAX_WAIT_MS + 50));
    expect(w.commits).toEqual([300, 600]);
    s.flush();
  });

  it('paces nothing after affairs the clock settles (a session whose wait is over): the next line alone is committed at once', () => {
    const w = world(5);
    const s = scanner(w);
    for (let i = 0; i < 300; i++) w.injector.submit({ address: `192.0.2.${i & 255}`, rule: 'r', t0: 0 });
    s.settle();
    w.advance(1);
    s.scan([line(1)], true);
    expect(w.commits).toEqual([300, 1]);
  });
});
