// WatchLG under the master service: Load entry, detached start, status, stop.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NXDOMAIN } from '../../helpers/dns.js';
import { closeService, prepareService } from '../../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { BACKENDS, kernelFlush } from '../../helpers/backends.js';

describe.each(BACKENDS)('WatchLG started by master/watcher (%s)', (backend) => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nSESSION_WAIT=1', { backend });
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=5\n' });
    await sb.run('modules/WatchLG/LGinjector', [NXDOMAIN.address, '5']);
  });
  afterAll(() => closeService(sb));

  it('loads its DROP rows through Load, runs detached, reports status, and stops on SIGTERM', async () => {
    await kernelFlush(sb.ns, backend, 'custody');
    expect((await sb.members('custody')).size).toBe(0);
    const start = await sb.run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain('Starting module WatchLG ...');
    expect((await sb.members('custody')).has(NXDOMAIN.address)).toBe(true);
    const st = await sb.waitFor('WatchLG status', () => sb.status());
    const pid = Number(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8'));
    expect(st.pid).toBe(pid);
    sb.feed(['Nov  1 00:00:00 vmd28527 sshd[1]: Invalid user admin from 203.0.113.60 port 22']);
    await sb.waitFor('the affair', () => sb.row('203.0.113.60'));
    // The status file is rewritten once a second: wait until it has counted the affair.
    const want = new RegExp(`WatchLG\\s+running, pid ${pid} .*lines 1, skipped 0, untreated 0, injected 1`);
    const status = await sb.waitFor('the status of the affair', async () => {
      const r = await sb.run('master/watcher', ['status']);
      return want.test(r.stdout) && r;
    });
    expect(status.stdout).toMatch(want);
    const stop = await sb.run('master/watcher', ['stop']);
    expect(stop.stdout).toContain('Stopping module WatchLG ...');
    expect(existsSync(join(sb.inst.runDir, 'WatchLG.pid'))).toBe(false);
    expect(sb.log()).toMatch(/stopped \(SIGTERM\): 1 lines, 1 affairs/);
  });
});
