// One attempt, one affair, for Postfix: whole smtpd and postscreen sessions through the shipped
// WatchMX rules and, for what it passes on, WatchMB's, with the scanners' session weighing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scanner } from '../../../master/lib/module/scanner.js';
import { loadRuleSet } from '../../../master/lib/rules/ruleset.js';
import { newCounters } from '../../../master/lib/core/status.js';
import type { Level } from '../../../master/lib/rules/parse.js';
import type { Injector, InjectRequest } from '../../../master/lib/module/inject.js';
import { REPO } from '../../helpers/install.js';

const H = 'Nov  1 00:00:00 mx';

/** Scan `lines` through WatchMX and what it passes on through WatchMB, at `level`; the affairs each counts, as 'ADDR rule'. */
function countAffairs(lines: string[], level: Level): { mx: string[]; mb: string[] } {
  let t = 0;
  const clock = { now: () => t, mono: () => t };
  const scanner = (module: string, out: string[], passon?: string[]): Scanner => new Scanner(loadRuleSet(join(REPO, 'modules', module, 'rules'), level), {
    injector: { submit: (r: InjectRequest) => out.push(`${r.address} ${r.rule}`), flush: () => {}, queued: 0 } as unknown as Injector,
    passon: passon && { name: 'WatchMB', writer: { write: (l: string) => passon.push(l) > 0 } },
    counters: newCounters(), trace: { on: false, write: () => {} }, clock, sessionWaitMs: 10_000,
  });
  const mx: string[] = [];
  const mb: string[] = [];
  const passed: string[] = [];
  const mxs = scanner('WatchMX', mx, passed);
  const mbs = scanner('WatchMB', mb);
  for (const line of lines) {
    t += 100;
    const before = passed.length;
    mxs.scan([line]);
    if (passed.length > before) mbs.scan(passed.slice(before));
  }
  t += 60_000;
  mxs.settle();
  mbs.settle();
  return { mx, mb };
}

describe('Postfix sessions count one affair an attempt', () => {
  it('three wrong passwords in one submission session: three tries in WatchMB; the AUTH drop and the session end add none', () => {
    const s = 'postfix/submission/smtpd[100]';
    const lines = [
      `${H} ${s}: connect from unknown[203.0.113.50]`,
      ...Array(3).fill(`${H} ${s}: warning: unknown[203.0.113.50]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`),
      `${H} ${s}: lost connection after AUTH from unknown[203.0.113.50]`,
      `${H} ${s}: disconnect from unknown[203.0.113.50] ehlo=1 auth=0/3 commands=1/4`,
    ];
    expect(countAffairs(lines, 'normal')).toEqual({ mx: [], mb: Array(3).fill('203.0.113.50 SASL-login-failed') });
    // Strict: the NXDOMAIN connect on the users' port is WatchMX's line about the session.
    expect(countAffairs(lines, 'strict')).toEqual({ mx: ['203.0.113.50 NXdomain-TLS'], mb: Array(3).fill('203.0.113.50 SASL-login-failed') });
  });

  it('a client that drops after AUTH without a logged failure counts once', () => {
    const s = 'postfix/smtpd[101]';
    const lines = [`${H} ${s}: lost connection after AUTH from scan.example.net[203.0.113.51]`, `${H} ${s}: disconnect from scan.example.net[203.0.113.51] ehlo=1 auth=0/1 commands=1/2`];
    expect(countAffairs(lines, 'normal')).toEqual({ mx: [], mb: ['203.0.113.51 SASL-session'] });
    expect(countAffairs(lines, 'strict')).toEqual({ mx: [], mb: ['203.0.113.51 SASL-session'] });
  });

  it('a spam run without reverse name: each rejected recipient is a try, the connect and the DATA reject add none', () => {
    const s = 'postfix/smtpd[200]';
    const lines = [
      `${H} ${s}: connect from unknown[203.0.113.60]`,
      ...[1, 2].map((i) => `${H} ${s}: NOQUEUE: reject: RCPT from unknown[203.0.113.60]: 554 5.7.1 <u${i}@example.org>: Relay access denied; from=<a@b.c> to=<u${i}@example.org> proto=ESMTP helo=<x>`),
      `${H} ${s}: NOQUEUE: reject: DATA from unknown[203.0.113.60]: 554 5.5.1 Error: no valid recipients; from=<a@b.c> to=<u2@example.org> proto=ESMTP helo=<x>`,
      `${H} ${s}: disconnect from unknown[203.0.113.60] ehlo=1 mail=1 rcpt=0/2 data=0/1 quit=1 commands=3/6`,
      // The same smtpd process serves the next client: a session of its own.
      `${H} ${s}: connect from unknown[203.0.113.61]`,
      `${H} ${s}: NOQUEUE: reject: RCPT from unknown[203.0.113.61]: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<> to=<nobody@example.com> proto=ESMTP helo=<x>`,
    ];
    expect(countAffairs(lines, 'normal')).toEqual({ mx: ['203.0.113.60 NOQUEUE', '203.0.113.60 NOQUEUE', '203.0.113.61 NOQUEUE'], mb: [] });
  });

  it('a forged reverse name: the warning and the connect are one visit, one affair', () => {
    const s = 'postfix/smtpd[300]';
    const lines = [
      `${H} ${s}: warning: hostname mail.example.net does not resolve to address 203.0.113.70: Name or service not known`,
      `${H} ${s}: connect from unknown[203.0.113.70]`,
      `${H} ${s}: lost connection after EHLO from unknown[203.0.113.70]`,
      `${H} ${s}: disconnect from unknown[203.0.113.70] ehlo=1 commands=1`,
    ];
    expect(countAffairs(lines, 'normal')).toEqual({ mx: ['203.0.113.70 FakeHost'], mb: [] });
    expect(countAffairs(lines, 'strict')).toEqual({ mx: ['203.0.113.70 FakeHost'], mb: [] });
  });

  it('postscreen: a pregreeting bot listed by DNSBLs and rejected counts its rejects; one that hangs up counts once', () => {
    const p = 'postfix/postscreen[400]';
    const rejected = [
      `${H} ${p}: PREGREET 11 after 0.2 from [203.0.113.80]:40000: EHLO x\\r\\n`,
      `${H} ${p}: DNSBL rank 3 for [203.0.113.80]:40000`,
      `${H} ${p}: NOQUEUE: reject: RCPT from [203.0.113.80]:40000: 550 5.7.1 Service unavailable; client [203.0.113.80] blocked using zen.spamhaus.org; from=<a@b.c>, to=<d@example.com>, proto=ESMTP, helo=<x>`,
      `${H} ${p}: DISCONNECT [203.0.113.80]:40000`,
    ];
    expect(countAffairs(rejected, 'normal')).toEqual({ mx: ['203.0.113.80 External-block'], mb: [] });
    const hangup = [`${H} ${p}: PREGREET 11 after 0.2 from [2001:db8::81]:40001: EHLO x\\r\\n`, `${H} ${p}: HANGUP after 0.3 from [2001:db8::81]:40001 in tests after SMTP handshake`];
    expect(countAffairs(hangup, 'normal')).toEqual({ mx: ['2001:db8::81 postscreen'], mb: [] });
    expect(countAffairs(hangup, 'strict')).toEqual({ mx: ['2001:db8::81 postscreen'], mb: [] });
  });

  it('a named client that connects and goes: nothing at LEVEL=normal, one affair at strict', () => {
    const s = 'postfix/smtpd[500]';
    const lines = [
      `${H} ${s}: connect from probe.example.org[198.51.100.90]`,
      `${H} ${s}: lost connection after CONNECT from probe.example.org[198.51.100.90]`,
      `${H} ${s}: disconnect from probe.example.org[198.51.100.90] commands=0/0`,
    ];
    expect(countAffairs(lines, 'normal')).toEqual({ mx: [], mb: [] });
    expect(countAffairs(lines, 'strict')).toEqual({ mx: ['198.51.100.90 idle'], mb: [] });
  });
});
