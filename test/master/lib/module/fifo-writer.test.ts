// The GeoTrack hand-off writer: never blocks, and tells a missing FIFO (GeoTrack not enabled)
// from one nobody reads or one that is full (GeoTrack stopped or behind: counted as geoLost).
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FifoWriter } from '../../../../master/lib/module/fifo.js';
import { run } from '../../../../master/lib/core/runner.js';

const dir = mkdtempSync(join(tmpdir(), 'fifo-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FifoWriter', () => {
  it('no FIFO: not delivered, absent', () => {
    const w = new FifoWriter(join(dir, 'none'));
    expect(w.write('1.2.3.4 WatchLG')).toBe(false);
    expect({ absent: w.absent, dropped: w.dropped }).toEqual({ absent: true, dropped: 1 });
  });

  it('a FIFO nobody reads, then a reader, then a full pipe', async () => {
    const path = join(dir, 'GeoTrack');
    await run('mkfifo', ['-m', '0600', path]);
    const w = new FifoWriter(path);
    expect(w.write('1.2.3.4 WatchLG')).toBe(false);
    expect(w.absent).toBe(false);
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    expect(w.write('1.2.3.5 WatchLG')).toBe(true);
    const buf = Buffer.alloc(100);
    expect(buf.subarray(0, readSync(fd, buf)).toString()).toBe('1.2.3.5 WatchLG\n');
    const t0 = performance.now();
    let full = 0;
    for (let i = 0; i < 10_000 && full === 0; i++) if (!w.write(`10.0.${i >> 8}.${i & 255} WatchLG`)) full++;
    expect(full).toBe(1);
    expect(w.absent).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
    closeSync(fd);
    w.close();
  });
});
