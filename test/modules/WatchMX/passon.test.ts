// passon is lossless under master/watcher: a backlog waiting in WatchMX's FIFO at start, a
// WatchMB killed with -9 mid-feed, and `watcher stop` during a feed. The test holds WatchMX's
// FIFO open read-write as rsyslog's ompipe does, so lines wait there while no module reads.
import { constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFifo } from '../../../master/lib/module/fifo.js';
import { isAlive } from '../../../master/lib/core/lock.js';
import { makeMailSandbox, type MailSandbox } from './sandbox.js';

const H = 'Nov  1 00:00:00 vmd28527';
const sasl = (net: string, i: number): string => `${H} postfix/smtpd[1]: warning: unknown[${net}.${i >> 8}.${i & 255}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`;
const lines = (net: string, n: number): string[] => Array.from({ length: n }, (_, i) => sasl(net, i));

describe('passon under master/watcher', () => {
  let sb: MailSandbox;
  let logger: Socket;
  const counted = (net: string): number => sb.query<{ n: number }>(`SELECT count(*) AS n FROM bandits WHERE origin = 'WatchMB' AND address LIKE '${net}.%'`)[0].n;
  const send = (ls: string[]): void => { logger.write(ls.map((l) => `${l}\n`).join('')); };
  beforeAll(async () => {
    sb = await makeMailSandbox('GEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60', { dns: false });
    sb.inst.write('watcher.conf', 'MODULES=WatchMX\nSTOP_GRACE=5\n');
    sb.inst.write('loader.conf', '');
    expect((await sb.run('modules/WatchMX/Prep')).exitCode).toBe(0);
    const fifo = join(sb.inst.fifoBase, 'WatchMX');
    await ensureFifo(fifo);
    logger = new Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: false, writable: true });
  });
  afterAll(async () => {
    await sb?.run('master/watcher', ['stop']);
    logger?.destroy();
    await sb?.close();
  });

  it('a backlog of SASL failures queued before watcher start is all counted by WatchMB', async () => {
    send(lines('198.18', 300));
    const start = await sb.run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    await sb.waitFor('300 MB rows', () => counted('198.18') === 300, 20_000);
    await sb.waitFor('the status files', () => sb.status('WatchMX')?.passedon === 300 && sb.status('WatchMB')?.lines === 300);
    expect(sb.status('WatchMX')).toMatchObject({ lines: 300, passedon: 300, passonLost: 0 });
  });

  it('lines passed on while WatchMB is killed with -9 are counted by the WatchMB started again', async () => {
    const old = sb.pid('WatchMB')!;
    send(lines('198.19', 100));
    await sb.waitFor('100 MB rows', () => counted('198.19') === 100, 20_000);
    process.kill(old, 'SIGKILL');
    send(lines('198.19', 300).slice(100));
    const again = await sb.waitFor('a new WatchMB', () => { const p = sb.pid('WatchMB'); return p !== old && p !== undefined && isAlive(p) && p; }, 15_000);
    await sb.waitFor('300 MB rows', () => counted('198.19') === 300, 20_000);
    expect(sb.log('WatchMX')).toContain(`companion WatchMB ended; started again as pid ${again}`);
    expect(sb.status('WatchMX')).toMatchObject({ passedon: 600, passonLost: 0 });
  });

  it('watcher stop during a feed loses nothing that WatchMX read; the rest waits for the next start', async () => {
    const n = 4000;
    send(lines('198.20', n));
    await sb.waitFor('a part read', () => (sb.status('WatchMX')?.lines as number) >= 1000);
    const stop = await sb.run('master/watcher', ['stop']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    // The owner is stopped first and stops its companion itself.
    expect(stop.stdout).toBe('Stopping module WatchMX ...');
    const m = /stopped \(SIGTERM\): (\d+) lines, .* (\d+) passed on to WatchMB, 0 lost/.exec(sb.log('WatchMX'));
    expect(m, sb.log('WatchMX')).not.toBeNull();
    expect(counted('198.18') + counted('198.19') + counted('198.20')).toBe(Number(m![2]));
    expect(Number(m![2])).toBe(Number(m![1]));
    // Status files go with the processes.
    expect(sb.status('WatchMX')).toBeUndefined();
    expect(sb.status('WatchMB')).toBeUndefined();
    expect((await sb.run('master/watcher', ['start'])).exitCode).toBe(0);
    await sb.waitFor(`all ${n} MB rows`, () => counted('198.20') === n, 30_000);
  });
});
