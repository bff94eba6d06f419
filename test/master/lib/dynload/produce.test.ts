// The queue between a dynloader's writing of Loadfiles and its reload: how long the reload,
// which holds the master's lock, waits for the next Loadfile.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { feed, LoadfileQueue } from '../../../../master/lib/dynload/produce.js';

describe('LoadfileQueue', () => {
  it('waits for a Loadfile being made however long it takes, and at most the patience for a download', async () => {
    const run = { reading: false };
    async function* files(): AsyncGenerator<string> {
      await sleep(50);
      run.reading = true; // its lists are in: read and written here
      await sleep(300);
      run.reading = false;
      yield 'a';
      await sleep(300); // the next list still downloading
      yield 'b';
    }
    const q = new LoadfileQueue(files(), () => run.reading);
    const t0 = performance.now();
    expect(await q.within(100)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(await q.next()).toBe('a');
    expect(await q.within(100)).toBe(false);
    expect(await q.more()).toBe(true);
    expect(await q.next()).toBe('b');
    expect(await q.more()).toBe(false);
  });

  it('feed() hands each Loadfile on as it comes and stops at a download longer than the patience', async () => {
    async function* files(): AsyncGenerator<string> {
      yield 'a';
      yield 'b';
      await sleep(300);
      yield 'c';
    }
    const q = new LoadfileQueue(files());
    const taken: string[] = [];
    expect(await feed(q, async (f) => { taken.push(f); }, () => undefined, 100)).toBe(false);
    expect(taken).toEqual(['a', 'b']);
    expect(await feed(q, async (f) => { taken.push(f); }, () => undefined, 1000)).toBe(true);
    expect(taken).toEqual(['a', 'b', 'c']);
  });

  it('a failure of the making is thrown to whoever waits for the next Loadfile', async () => {
    async function* files(): AsyncGenerator<string> {
      yield 'a';
      throw new Error('disk full');
    }
    const q = new LoadfileQueue(files());
    expect(await q.next()).toBe('a');
    await expect(q.more()).rejects.toThrow('disk full');
  });
});
