// End to end with syslog-ng (Debian's package unpacked privately, test/fetch-syslog-ng): Watcher's
// conf.d snippet installed by installLoggerConf feeds WatchLG started by master/watcher; what
// arrives of the lines sent while WatchLG is stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyslogNg, type PrivateSyslogNg } from '../helpers/syslog-ng.js';
import { sendLog } from '../helpers/rsyslog.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';

const sessions = (from: number, n: number) => Array.from({ length: n }, (_, i) => `Started session ${from + i} of user alice.`);

describe('syslog-ng feeds WatchLG started by master/watcher', () => {
  let sb: Sandbox;
  let ng: PrivateSyslogNg;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=');
    await prepareService(sb, 'WatchLG');
    ng = await startSyslogNg({ fifoBase: sb.inst.fifoBase });
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(() => closeService(sb, ng));

  const restart = async (): Promise<number> => {
    const start = await sb.run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    await sb.waitFor('the new WatchLG', () => sb.status()?.lines !== undefined);
    // Counted when two status rewrites (each second) agree.
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1200));
      const now = sb.status()?.lines as number;
      if (now === last) return now;
      last = now;
    }
  };

  it('loses nothing while WatchLG is stopped: 10,000 lines sent meanwhile are all counted after the start', async () => {
    expect((await sb.run('master/watcher', ['stop'])).exitCode).toBe(0);
    await sendLog(ng.socket, sessions(1, 10_000), { tag: 'systemd[1]' });
    await new Promise((r) => setTimeout(r, 1000));
    const counted = await restart();
    expect(counted).toBe(10_000);
    expect(sb.status()).toMatchObject({ lines: 10_000, skipped: 10_000 });
  }, 60_000);

  it('a syslog-ng restart while WatchLG is stopped loses what was sent meanwhile: its queue, and the FIFO that nobody held open any more', async () => {
    expect((await sb.run('master/watcher', ['stop'])).exitCode).toBe(0);
    await sendLog(ng.socket, sessions(100_000, 10_000), { tag: 'systemd[1]' });
    await new Promise((r) => setTimeout(r, 1000));
    await ng.stop();
    ng = await startSyslogNg({ fifoBase: sb.inst.fifoBase });
    const counted = await restart();
    console.log(`syslog-ng restarted with WatchLG stopped: ${counted} of 10,000 lines arrived`);
    expect(counted).toBe(0);
  }, 60_000);
});
