// The syslog-ng snippet through syslog-ng's own syntax check and a private syslog-ng into the FIFOs.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderSyslogNgConf } from '../../../../master/lib/service/syslog.js';
import { checkSyslogNgConf } from '../../../../master/lib/service/syslog-check.js';
import { privateSyslogNg, startSyslogNg, type PrivateSyslogNg } from '../../../helpers/syslog-ng.js';
import { sendLog } from '../../../helpers/rsyslog.js';
import { FifoReader } from '../../../helpers/fifo-reader.js';

describe('syslog-ng (Debian package unpacked privately)', () => {
  let ng: PrivateSyslogNg | undefined;
  afterEach(async () => { await ng?.stop(); ng = undefined; });

  it('accepts the rendered snippet with --syntax-only', async () => {
    await expect(checkSyslogNgConf(renderSyslogNgConf({ fifoBase: '/var/log/.pipes' }), 's_src', privateSyslogNg())).resolves.toBeUndefined();
  });

  it('refuses a broken snippet with its own message', async () => {
    const broken = renderSyslogNgConf({ fifoBase: '/var/log/.pipes' }).replace('facility(mail)', 'facility(mial)');
    await expect(checkSyslogNgConf(broken, 's_src', privateSyslogNg())).rejects.toMatchObject({ exitCode: 78, message: expect.stringContaining('syslog-ng refuses the Watcher snippet') });
  });

  it('runs: installed by installLoggerConf, a line through syslog-ng reaches WatchLG, and 10,000 queued lines arrive in order', async () => {
    ng = await startSyslogNg();
    expect(ng.install).toMatchObject({ logger: 'syslog-ng', changed: true });
    expect(readFileSync(ng.install.path!, 'utf8')).toContain('log { source(s_src); filter(f_watcher_WatchLG); destination(d_watcher_WatchLG); };');
    const n = 10_000;
    await sendLog(ng.socket, Array.from({ length: n }, (_, i) => `Failed password for root from 192.0.2.${i % 250} port ${2000 + i} ssh2 seq=${i + 1}`));
    await new Promise((r) => setTimeout(r, 1500));
    const reader = new FifoReader(`${ng.fifoBase}/WatchLG`);
    try {
      const lines = await reader.waitForCount(n, 60_000);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \S+ sshd: Failed password for root from 192\.0\.2\.0 port 2000 ssh2 seq=1$/);
      expect(lines.map((l) => Number(/ seq=(\d+)$/.exec(l)?.[1]))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    } finally { reader.close(); }
  });
});
