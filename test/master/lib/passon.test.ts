// passon's writer: lines wait in order while the companion is behind; dropped only without a reader.
import { constants, mkdtempSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { run } from '../../../master/lib/runner.js';
import { PassonWriter } from '../../../master/lib/passon.js';

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
    expect(w.dropped).toBe(0);
  });

  it('drops (and counts) while nobody reads the FIFO or it does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passon-'));
    const w = new PassonWriter(join(dir, 'WatchMB'));
    expect(w.write('a')).toBe(false);
    await run('mkfifo', ['-m', '0600', join(dir, 'WatchMB')]);
    expect(w.write('b')).toBe(false);
    expect(w.dropped).toBe(2);
  });
});
