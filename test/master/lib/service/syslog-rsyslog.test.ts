// A real private rsyslogd configured by installLoggerConf feeds the module FIFOs, and loses nothing while no module reads.
import { afterEach, describe, expect, it } from 'vitest';
import { startRsyslog, sendLog, type PrivateRsyslog } from '../../../helpers/rsyslog.js';
import { FifoReader } from '../../../helpers/fifo-reader.js';

/** Line numbers that arrive after a higher one: rsyslog re-queues the one line whose write met a full pipe. */
function displaced(numbers: number[]): number[] {
  let max = 0;
  const out: number[] = [];
  for (const n of numbers) { if (n < max) out.push(n); else max = n; }
  return out;
}

describe('private rsyslogd into the module FIFOs', () => {
  let rs: PrivateRsyslog | undefined;
  let reader: FifoReader | undefined;
  afterEach(async () => { reader?.close(); reader = undefined; await rs?.stop(); rs = undefined; });

  it('delivers an authpriv line from logger to WatchLG, a mail line to WatchMX and a local2 line to WatchWB', async () => {
    rs = await startRsyslog();
    const lg = new FifoReader(`${rs.fifoBase}/WatchLG`);
    const mx = new FifoReader(`${rs.fifoBase}/WatchMX`);
    const wb = new FifoReader(`${rs.fifoBase}/WatchWB`);
    try {
      await sendLog(rs.socket, ['Failed password for root from 192.0.2.7 port 50022 ssh2']);
      await sendLog(rs.socket, ['Accepted password for admin from 192.0.2.8 port 50023 ssh2'], { priority: 'auth.info' });
      await sendLog(rs.socket, ['warning: unknown[198.51.100.4]: SASL LOGIN authentication failed'], { priority: 'mail.warning', tag: 'postfix/smtpd[77]' });
      await sendLog(rs.socket, ['203.0.113.9 - - "GET /wp-login.php HTTP/1.1" 404 [Instance: www:443]@joomla'], { priority: 'local2.notice', tag: 'httpd' });
      await sendLog(rs.socket, ['not for Watcher'], { priority: 'user.info', tag: 'cron' });
      const lines = await lg.waitForCount(2);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d \S+ sshd: Failed password for root from 192\.0\.2\.7 port 50022 ssh2$/);
      expect(lines[1]).toMatch(/ sshd: Accepted password for admin from 192\.0\.2\.8 port 50023 ssh2$/);
      expect((await mx.waitForCount(1))[0]).toMatch(/ postfix\/smtpd\[77\]: warning: unknown\[198\.51\.100\.4\]: SASL LOGIN authentication failed$/);
      expect((await wb.waitForCount(1))[0]).toMatch(/ httpd: 203\.0\.113\.9 - - "GET \/wp-login\.php HTTP\/1\.1" 404 \[Instance: www:443\]@joomla$/);
      await new Promise((r) => setTimeout(r, 300));
      expect([lg.lines.length, mx.lines.length, wb.lines.length]).toEqual([2, 1, 1]);
    } finally { lg.close(); mx.close(); wb.close(); }
  });

  it('queues 10,000 lines while WatchLG has no reader and delivers all of them once a reader opens', async () => {
    rs = await startRsyslog();
    const n = 10_000;
    const sent = Array.from({ length: n }, (_, i) => `Failed password for invalid user u${i + 1} from 10.9.${(i >> 8) & 255}.${i & 255} port ${1024 + i} ssh2 seq=${i + 1}`);
    await sendLog(rs.socket, sent);
    await new Promise((r) => setTimeout(r, 1500)); // rsyslog is now holding what the pipe buffer cannot
    reader = new FifoReader(`${rs.fifoBase}/WatchLG`);
    const lines = await reader.waitForCount(n, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(reader.lines).toHaveLength(n);
    const numbers = lines.map((l) => Number(/ seq=(\d+)$/.exec(l)?.[1]));
    expect(new Set(numbers).size).toBe(n);
    expect(Math.min(...numbers)).toBe(1);
    expect(Math.max(...numbers)).toBe(n);
    for (const l of lines) expect(l).toMatch(/ sshd: Failed password for invalid user u\d+ from 10\.9\.\d+\.\d+ port \d+ ssh2 seq=\d+$/);
    // In order, except at most one line per time the 64 KiB pipe buffer ran full (see README, "Feeding the modules").
    const bytes = lines.reduce((s, l) => s + l.length + 1, 0);
    const late = displaced(numbers);
    expect(late.length).toBeLessThanOrEqual(Math.ceil(bytes / 65536) + 1);
    console.log(`10,000 queued lines: all delivered once, ${late.length} out of place (${late.join(', ')}), ${bytes} bytes`);
  });

  it('drops what exceeds a full queue at once, and the other modules keep being fed', async () => {
    rs = await startRsyslog({ queueSize: 1000 });
    const mx = new FifoReader(`${rs.fifoBase}/WatchMX`);
    try {
      const n = 5000;
      const t0 = Date.now();
      await sendLog(rs.socket, Array.from({ length: n }, (_, i) => `Failed password for root from 192.0.2.1 port 22 ssh2 seq=${i + 1}`));
      await sendLog(rs.socket, ['NOQUEUE: reject: RCPT from unknown[198.51.100.7]'], { priority: 'mail.info', tag: 'postfix/smtpd[9]' });
      await mx.waitForCount(1, 5000);
      expect(Date.now() - t0).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 1000));
      reader = new FifoReader(`${rs.fifoBase}/WatchLG`);
      await reader.waitFor((l) => l.length >= 1000, 30_000, 'the queued lines');
      await new Promise((r) => setTimeout(r, 3000));
      const got = reader.lines.map((l) => Number(/ seq=(\d+)$/.exec(l)?.[1]));
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBeGreaterThanOrEqual(1000);
      expect(got.length).toBeLessThan(n);
      expect(Math.min(...got)).toBe(1); // the oldest lines are the ones kept
    } finally { mx.close(); }
  });

  it('cuts a very long message so that each line is written whole', async () => {
    rs = await startRsyslog();
    reader = new FifoReader(`${rs.fifoBase}/WatchLG`);
    await sendLog(rs.socket, [`Failed password for ${'x'.repeat(6000)} from 192.0.2.9 port 1 ssh2`, 'next line']);
    const lines = await reader.waitForCount(2);
    const msg = / sshd: (.*)$/.exec(lines[0])?.[1] ?? '';
    expect(msg).toMatch(/^Failed password for x+$/);
    expect(msg.length).toBeGreaterThan(3890);
    expect(msg.length).toBeLessThanOrEqual(3900);
    expect(lines[1]).toMatch(/ sshd: next line$/);
  });
});
