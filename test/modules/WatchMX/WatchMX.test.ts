// WatchMX and its companion WatchMB running for real: FIFOs, rules, dnsmasq, one SQLite
// database, each firewall backend in a network namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { TRUEHOST, TRUEHOST6, NXDOMAIN, FAKEHOST } from '../../helpers/dns.js';
import { isAlive } from '../../../master/lib/core/lock.js';
import { makeMailSandbox, type MailSandbox } from './sandbox.js';
import { BACKENDS } from '../../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';

describe.each(BACKENDS)('WatchMX with WatchMB (%s)', (backend) => {
  let sb: MailSandbox;
  let mx: ResultPromise;
  beforeAll(async () => {
    sb = await makeMailSandbox('TRACE=on\nGEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60\nSESSION_WAIT=1', { backend });
    const prep = await sb.run('modules/WatchMX/Prep');
    expect(prep.exitCode, prep.stderr).toBe(0);
    expect(prep.stdout).toMatch(/WatchMX\.db: created from Schema/);
    mx = sb.start('modules/WatchMX/WatchMX');
    await sb.waitFor('both status files', () => sb.status('WatchMX') && sb.status('WatchMB'));
  });
  afterAll(async () => {
    for (const name of ['WatchMB', 'WatchMX'] as const) { const p = sb?.pid(name); if (p && isAlive(p)) process.kill(p, 'SIGKILL'); }
    if (mx && mx.exitCode === null) { mx.kill('SIGKILL'); await mx; }
    await sb?.close();
  });

  it('WatchMX starts WatchMB itself', () => {
    const mb = sb.pid('WatchMB')!;
    expect(isAlive(mb)).toBe(true);
    expect(sb.log('WatchMX')).toContain(`companion WatchMB started as pid ${mb}`);
    expect(sb.log('WatchMB')).toMatch(/started: \d+ rules in 3 files/);
  });

  it('passes a SASL failure on; WatchMB counts it in the shared database with origin WatchMB and class Breaker', async () => {
    const line = `${H} postfix/smtpd[9044]: warning: ${TRUEHOST.name}[${TRUEHOST.address}]: SASL LOGIN authentication failed: authentication failure, sasl_username=1.2.3.4`;
    sb.feed([line]);
    await sb.waitFor('the MB row', () => sb.row(TRUEHOST.address));
    expect(sb.row(TRUEHOST.address)).toMatchObject({ class: 'TRUEHOST', host: TRUEHOST.name, affairs: 1, status: 'INITIAL', rule: 'SASL-login-failed', origin: 'WatchMB', modclass: 'Breaker' });
    expect(sb.row('1.2.3.4')).toBeUndefined();
    await sb.waitFor('the tarpit entry', async () => (await sb.members('tarpit')).has(TRUEHOST.address));
    await sb.waitFor('the status files', () => (sb.status('WatchMB')?.injected as number) >= 1 && (sb.status('WatchMX')?.passedon as number) >= 1);
    expect(sb.status('WatchMX')).toMatchObject({ module: 'WatchMX', lines: 1, passedon: 1, injected: 0, matched: { 'SASL-affair': 1 } });
    expect(sb.status('WatchMB')).toMatchObject({ module: 'WatchMB', lines: 1, injected: 1, tarpitted: 1, matched: { 'SASL-login-failed': 1 } });
    await sb.waitFor('the MB trace', () => sb.trace('WatchMB').includes('Finished for rule'));
    expect(sb.trace('WatchMX')).toMatch(new RegExp(`WatchMX\\[\\d+\\]: \\[Loop: 1\\] '${line.replace(/[[\]().*+?^$|\\]/g, '\\$&')}'`));
    expect(sb.trace('WatchMX')).toMatch(/WatchMX\[\d+\]: \[passon\] Passed to WatchMB \.\.\. \d+\/\d+ ms/);
    const mbTrace = sb.trace('WatchMB');
    expect(mbTrace).toMatch(/WatchMB\[\d+\]: \[Loop: 1\] '.*SASL LOGIN authentication failed/);
    expect(mbTrace).toContain("[inject] Triggered by rule ['SASL-login-failed'] ': warning: [^ []*\\[[^]]*\\](:[0-9]+)?: SASL [Ll][Oo][Gg][Ii][Nn] authentication failed'");
    expect(mbTrace).toContain(`[inject] TRUEHOST ${TRUEHOST.address} (${TRUEHOST.name}), MB-Class: Breaker`);
    expect(mbTrace).toMatch(new RegExp(`\\[inject\\] TRUEHOST ${TRUEHOST.address.replace(/\./g, '\\.')} 'Initial 1/5`));
  });

  it('drops an NXDOMAIN client on its second visit (MAX_AFFAIRS-1 at the first, counted once SESSION_WAIT passed)', async () => {
    const connect = (pid: number) => `${H} postfix/smtpd[${pid}]: connect from unknown[${NXDOMAIN.address}]`;
    sb.feed([connect(100)]);
    await sb.waitFor('the NXDOMAIN row', () => sb.row(NXDOMAIN.address));
    expect(sb.row(NXDOMAIN.address)).toMatchObject({ class: 'NXDOMAIN', affairs: 4, status: 'INITIAL', rule: 'NXdomain', origin: 'WatchMX', modclass: null });
    const t = await sb.waitFor('the tarpit entry', async () => (await sb.members('tarpit')).get(NXDOMAIN.address));
    expect(t).toBeGreaterThan(900);
    expect(t).toBeLessThanOrEqual(960);
    // The next visit, a session of its own (another smtpd process).
    sb.feed([connect(105)]);
    await sb.waitFor('the drop', () => sb.row(NXDOMAIN.address)?.status === 'DROP');
    expect(sb.row(NXDOMAIN.address)).toMatchObject({ affairs: 5, status: 'DROP' });
    await sb.waitFor('custody', async () => (await sb.members('custody')).has(NXDOMAIN.address));
    await sb.waitFor('out of tarpit', async () => !(await sb.members('tarpit')).has(NXDOMAIN.address));
  });

  it('a FAKEHOST: the warning and the connect line of one visit are one affair, MAX_AFFAIRS-1', async () => {
    sb.feed([
      `${H} postfix/smtpd[101]: warning: hostname ${FAKEHOST.name} does not resolve to address ${FAKEHOST.address}: Name or service not known`,
      `${H} postfix/smtpd[101]: connect from unknown[${FAKEHOST.address}]`,
    ]);
    await sb.waitFor('the FAKEHOST row', () => sb.row(FAKEHOST.address));
    expect(sb.row(FAKEHOST.address)).toMatchObject({ class: 'FAKEHOST', affairs: 4, status: 'INITIAL', rule: 'FakeHost', origin: 'WatchMX' });
  });

  it('IPv6 attackers: WatchMX counts a client with no PTR, WatchMB a SASL failure; both are tarpitted', async () => {
    sb.feed([
      `${H} postfix/smtpd[110]: connect from unknown[2001:db8:25::9]`,
      `${H} postfix/smtpd[111]: warning: ${TRUEHOST6.name}[${TRUEHOST6.address}]: SASL LOGIN authentication failed: authentication failure`,
    ]);
    await sb.waitFor('both IPv6 rows', () => sb.row('2001:db8:25::9') && sb.row(TRUEHOST6.address));
    expect(sb.row('2001:db8:25::9')).toMatchObject({ class: 'NXDOMAIN', affairs: 4, status: 'INITIAL', rule: 'NXdomain', origin: 'WatchMX' });
    expect(sb.row(TRUEHOST6.address)).toMatchObject({ class: 'TRUEHOST', host: TRUEHOST6.name, affairs: 1, rule: 'SASL-login-failed', origin: 'WatchMB', modclass: 'Breaker' });
    const tarpit = await sb.waitFor('both in tarpit', async () => { const m = await sb.members('tarpit'); return m.has('2001:db8:25::9') && m.has(TRUEHOST6.address) && m; });
    expect(tarpit.get('2001:db8:25::9')).toBeGreaterThan(900);
    expect(tarpit.get('2001:db8:25::9')).toBeLessThanOrEqual(960);
    expect(tarpit.get(TRUEHOST6.address)).toBeGreaterThan(100);
    expect(tarpit.get(TRUEHOST6.address)).toBeLessThanOrEqual(120);
    // The next visit of the client with no PTR drops it.
    sb.feed([`${H} postfix/smtpd[112]: connect from unknown[2001:db8:25::9]`]);
    await sb.waitFor('the IPv6 custody entry', async () => (await sb.members('custody')).has('2001:db8:25::9'));
    expect(sb.row('2001:db8:25::9')).toMatchObject({ affairs: 5, status: 'DROP' });
  });

  it('an MX row later counted by WatchMB keeps its origin and takes the class Breaker; the default MB rules count Dovecot', async () => {
    sb.feed([`${H} postfix/smtpd[102]: NOQUEUE: reject: RCPT from unknown[198.18.0.7]: 554 5.7.1 <a@example.com>: Relay access denied; from=<x@y.z> to=<a@example.com> proto=ESMTP helo=<[9.9.9.9]>`]);
    await sb.waitFor('the MX row', () => sb.row('198.18.0.7'));
    expect(sb.row('198.18.0.7')).toMatchObject({ class: 'NXDOMAIN', affairs: 4, origin: 'WatchMX', modclass: null });
    sb.feed([`${H} dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<x>, method=PLAIN, rip=198.18.0.7, lip=10.0.0.1, TLS, session=<a>`]);
    await sb.waitFor('the MB affair', () => sb.row('198.18.0.7')?.affairs === 5);
    expect(sb.row('198.18.0.7')).toMatchObject({ status: 'DROP', origin: 'WatchMX', modclass: 'Breaker', rule: 'Dovecot-imap-failed' });
    expect(sb.trace('WatchMB')).not.toContain('[UNTREATED]');
    sb.feed([`${H} postfix/smtpd[103]: warning: unknown[198.18.0.9]: SASL PLAIN authentication failed: `]);
    await sb.waitFor('the SASL affair', () => sb.row('198.18.0.9'));
    expect(sb.row('198.18.0.9')).toMatchObject({ origin: 'WatchMB', modclass: 'Breaker', rule: 'SASL-plain-failed' });
    expect(sb.row('9.9.9.9')).toBeUndefined();
  });

  it('Refresh mb reloads WatchMB only; WatchMX starts WatchMB again when it dies', async () => {
    const r = await sb.run('bin/Refresh', ['mb']);
    expect(r.exitCode, r.stderr).toBe(0);
    await sb.waitFor('the reload', () => sb.log('WatchMB').includes('reloaded (HUP)'));
    expect(sb.log('WatchMX')).not.toContain('reloaded (HUP)');
    const old = sb.pid('WatchMB')!;
    process.kill(old, 'SIGKILL');
    const again = await sb.waitFor('a new WatchMB', () => { const p = sb.pid('WatchMB'); return p !== old && p !== undefined && isAlive(p) && sb.status('WatchMB')?.pid === p ? p : false; }, 15_000);
    expect(sb.log('WatchMX')).toContain(`companion WatchMB ended; started again as pid ${again}`);
    sb.feed([`${H} postfix/smtpd[104]: warning: unknown[198.18.0.8]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`]);
    await sb.waitFor('the new WatchMB counts', () => sb.row('198.18.0.8')?.origin === 'WatchMB');
  });

  it('SIGTERM to WatchMX stops WatchMB too, both exit cleanly and remove their pid files', async () => {
    const mb = sb.pid('WatchMB')!;
    mx.kill('SIGTERM');
    const res = await mx;
    expect(res.exitCode).toBe(0);
    expect(isAlive(mb)).toBe(false);
    expect(sb.pid('WatchMB')).toBeUndefined();
    expect(sb.pid('WatchMX')).toBeUndefined();
    expect(sb.log('WatchMX')).toContain(`companion WatchMB (pid ${mb}) stopped`);
    expect(sb.log('WatchMB')).toMatch(/stopped \(SIGTERM\)/);
  });
});
