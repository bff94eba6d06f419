// WatchMX's tools for real in a sandbox: Prep, MXinjector, LoadMX, StatMX (one CSV for MX and
// MB, mailed), Trace MB, and the pair under master/watcher.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUEHOST, NXDOMAIN } from '../../helpers/dns.js';
import { startSmtp, type SmtpServer } from '../../helpers/smtp.js';
import { isAlive } from '../../../master/lib/core/lock.js';
import { makeMailSandbox, type MailSandbox } from './sandbox.js';
import { BACKENDS, firewallLine } from '../../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';

describe.each(BACKENDS)('WatchMX tools (%s)', (backend) => {
  let sb: MailSandbox;
  let smtp: SmtpServer;
  beforeAll(async () => {
    sb = await makeMailSandbox('TRACE=on\nGEOTRACK=\nTIME_SLICE=60', { backend });
    smtp = await startSmtp(sb.ns);
  });
  afterAll(async () => {
    await sb?.run('master/watcher', ['stop']);
    await smtp?.stop();
    await sb?.close();
  });

  it('Prep creates the shared database from Schema; WatchMB has no database of its own', async () => {
    const a = await sb.run('modules/WatchMX/Prep');
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.stdout).toContain('WatchMX.db: created from Schema');
    expect((await sb.run('modules/WatchMX/Prep')).stdout).toContain('WatchMX.db: exists, 0 addresses');
    expect(existsSync(join(sb.inst.root, 'modules/WatchMB/WatchMB.db'))).toBe(false);
    for (const [link, to] of [['Load', 'LoadMX'], ['Expire', 'ExpireMX'], ['Stat', 'StatMX']]) expect(readlinkSync(join(sb.inst.root, 'modules/WatchMX', link))).toBe(to);
  });

  it('MXinjector counts by hand; Load writes custody and tarpit lines for both modules\' rows', async () => {
    const r = await sb.run('modules/WatchMX/MXinjector', [NXDOMAIN.address, '5']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(sb.row(NXDOMAIN.address)).toMatchObject({ status: 'DROP', rule: 'MXinjector', origin: 'WatchMX' });
    const l = await sb.run('modules/WatchMX/Load');
    expect(l.stdout).toMatch(/^LoadMX: 1 custody and 0 tarpit entries in .*Loadfiles\/Loadfile-WatchMX/);
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-WatchMX'), 'utf8')).toContain(`add custody ${NXDOMAIN.address}\n`);
  });

  it('under master/watcher: WatchMX starts WatchMB, status shows both, stop ends both', async () => {
    sb.inst.write('watcher.conf', `MODULES=WatchMX\n${firewallLine(backend)}STOP_GRACE=5\nREPORTMAIL=admin@test.example\nSMTP_HOST=${smtp.host}\nSMTP_PORT=${smtp.port}\n`);
    sb.inst.write('loader.conf', 'modules/WatchMX/Load\n');
    const start = await sb.run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain('Starting module WatchMX ...');
    expect((await sb.members('custody')).has(NXDOMAIN.address)).toBe(true);
    await sb.waitFor('both status files', () => sb.status('WatchMX') && sb.status('WatchMB'));
    sb.feed([`${H} postfix/smtpd[1]: warning: ${TRUEHOST.name}[${TRUEHOST.address}]: SASL LOGIN authentication failed: authentication failure`]);
    await sb.waitFor('the MB row', () => sb.row(TRUEHOST.address)?.origin === 'WatchMB');
    const status = await sb.run('master/watcher', ['status']);
    expect(status.stdout).toMatch(/WatchMB\s+running, pid \d+/);
    expect(status.stdout).toMatch(/WatchMX\s+running, pid \d+/);
    const trace = await sb.run('bin/Trace', ['MB', '--no-follow']);
    expect(trace.stdout).toContain(`[inject] TRUEHOST ${TRUEHOST.address} (${TRUEHOST.name}), MB-Class: Breaker`);
    const mxTrace = await sb.run('bin/Trace', ['mx', '--no-follow', '-n', '5']);
    expect(mxTrace.stdout).toMatch(/\[passon\] Passed to WatchMB \.\.\./);
    const pids = [sb.pid('WatchMX')!, sb.pid('WatchMB')!];
    const stop = await sb.run('master/watcher', ['stop']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(pids.some((p) => isAlive(p))).toBe(false);
    expect(sb.pid('WatchMB')).toBeUndefined();
  });

  it('StatMX: one CSV covering WatchMX and WatchMB, mailed with the subject Statistics-MX <timestamp>', async () => {
    const r = await sb.run('modules/WatchMX/Stat');
    expect(r.exitCode, r.stderr).toBe(0);
    const csv = readFileSync(join(sb.inst.root, 'modules/WatchMX/Statistics-MX.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('date,introduced,dropped,introduced WatchMX,dropped WatchMX,introduced WatchMB,dropped WatchMB');
    expect(csv).toMatch(new RegExp(`\\n\\d{4}-\\d\\d-\\d\\d,2,1,1,1,1,0\\n`));
    const msg = smtp.messages().at(-1)!;
    expect(msg).toMatch(/^Subject: Statistics-MX \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(msg).toMatch(/filename=Statistics-MX\.csv/);
    expect(msg).toContain('WatchMX and WatchMB on this server');
  });
});
