// End to end: service log line -> private rsyslogd (Watcher's snippet) -> WatchLG FIFO -> WatchLG -> kernel sets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUEHOST } from '../helpers/dns.js';
import { startRsyslog, sendLog, type PrivateRsyslog } from '../helpers/rsyslog.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';

describe('rsyslog feeds WatchLG started by master/watcher', () => {
  let sb: Sandbox;
  let rs: PrivateRsyslog;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60');
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=5\n' });
    rs = await startRsyslog({ fifoBase: sb.inst.fifoBase });
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(() => closeService(sb, rs));

  it('puts an ssh attacker in tarpit for 2^affairs x TIME_SLICE, then in custody at MAX_AFFAIRS', async () => {
    const fail = (port: number) => `Failed password for alice from ${TRUEHOST.address} port ${port} ssh2`;
    await sendLog(rs.socket, [fail(40001)], { tag: 'sshd[812]' });
    const first = await sb.waitFor('tarpit entry', async () => (await sb.members('tarpit')).get(TRUEHOST.address));
    expect(first).toBeGreaterThan(100);
    expect(first).toBeLessThanOrEqual(120); // 2^1 x 60
    await sendLog(rs.socket, [fail(40002)], { tag: 'sshd[812]' });
    await sb.waitFor('second affair', async () => ((await sb.members('tarpit')).get(TRUEHOST.address) ?? 0) > 200);
    expect((await sb.members('tarpit')).get(TRUEHOST.address)).toBeLessThanOrEqual(240); // 2^2 x 60
    await sendLog(rs.socket, [fail(40003), fail(40004), fail(40005)], { tag: 'sshd[812]' });
    await sb.waitFor('custody entry', async () => (await sb.members('custody')).has(TRUEHOST.address));
    expect(sb.row(TRUEHOST.address)).toMatchObject({ address: TRUEHOST.address });
  });

  it('loses nothing while WatchLG is stopped: 10,000 lines sent meanwhile are all counted after the start', async () => {
    const stop = await sb.run('master/watcher', ['stop']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    const n = 10_000;
    // Lines the superflous_map skips: counted, never looked up in DNS.
    await sendLog(rs.socket, Array.from({ length: n }, (_, i) => `Started session ${i + 1} of user alice.`), { tag: 'systemd[1]' });
    await new Promise((r) => setTimeout(r, 1000));
    const start = await sb.run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    const st = await sb.waitFor('all lines counted', () => { const s = sb.status(); return s && (s.lines as number) >= n && s; }, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sb.status()).toMatchObject({ lines: n, skipped: n });
    expect(st.lines).toBe(n);
  });
});
