// passon's writer: lines wait in order while the companion is behind, is not started yet or is
// restarted after kill -9; dropped (and counted) only beyond the queue's bound.
import { constants, mkdtempSync, openSync, statSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { run } from '../../../../master/lib/core/runner.js';
import { PassonWriter } from '../../../../master/lib/module/passon.js';

describe('PassonWriter', () => {
  it('loses nothing when far more than a pipe buffer waits, and keeps the order', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'passon-')), 'WatchMB');
    await run('mkfifo', ['-m', '0600', path]);
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    const w = new PassonWriter(path);
    const n = 200_000;
    for (let i = 0; i < n; i++) expect(w.write(`line ${i} ${'x'.repeat(40)}`)).toBe(true);
    expect(w.waiting).toBeGreaterThan(1 << 20);
    // The companion starts reading only now.
    const reader = new Socket({ fd, readable: true, writable: false });
    let text = '';
    reader.setEncoding('utf8');
    reader.on('data', (d: string) => { text += d; });
    const closed = w.close(30_000);
    while (text.split('\n').length <= n) await new Promise((r) => setTimeout(r, 20));
    await closed;
    reader.destroy();
    const lines = text.split('\n').slice(0, n);
    expect(lines.every((l, i) => l.startsWith(`line ${i} `))).toBe(true);
    expect(w.lost).toBe(0);
  });

  it('makes the FIFO and holds lines before the companion opens it and across a reader killed with -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passon-'));
    const path = join(dir, 'WatchMB');
    const w = new PassonWriter(path);
    await w.open();
    expect(statSync(path).isFIFO()).toBe(true);
    for (let i = 0; i < 100; i++) expect(w.write(`before ${i}`)).toBe(true);
    // A first reader takes a few bytes and is killed; the rest stays in the pipe.
    const killed = await execa('sh', ['-c', `exec 3<"${path}"; head -c 9 <&3; kill -9 $$`], { reject: false });
    expect(killed.stdout).toBe('before 0');
    for (let i = 0; i < 100; i++) expect(w.write(`after ${i}`)).toBe(true);
    const next = await execa('timeout', ['0.5', 'cat', path], { reject: false });
    const got = next.stdout.split('\n');
    expect(got).toEqual([...Array.from({ length: 99 }, (_, i) => `before ${i + 1}`), ...Array.from({ length: 100 }, (_, i) => `after ${i}`)]);
    expect(w.lost).toBe(0);
    await w.close(100);
  });

  it('drops (and counts) a line only when more than its bound waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passon-'));
    const w = new PassonWriter(join(dir, 'WatchMB'), 4096);
    await w.open();
    let accepted = 0;
    for (let i = 0; i < 5000; i++) if (w.write(`line ${i} ${'x'.repeat(40)}`)) accepted++;
    // 64 KiB of kernel pipe plus about 4 KiB in memory: the rest is counted.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(2000);
    expect(w.lost).toBe(5000 - accepted);
    await w.close(100);
  });
});
