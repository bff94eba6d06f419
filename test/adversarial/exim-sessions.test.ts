// One attempt, one affair, for Exim: the lines a running WatchMX (rules-exim) and WatchMB read
// about one connection (exim[pid] and the client) add up to one affair, except the tries
// (rejected recipients, 535 answers), which count each. Real Exim 4.96 line shapes.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../master/lib/core/lock.js';
import { makeMailSandbox, type MailSandbox } from '../modules/WatchMX/sandbox.js';

const at = (pid: number): string => `Nov  1 00:00:00 mx exim[${pid}]: 2026-11-01 00:00:00 `;

// [what, client, the lines of its session, affairs expected in the database (0: no row)]
const SESSIONS: [string, string, string[], number][] = [
  ['a sender verification, its RCPT reject and the ACL drop', '192.0.2.101', [
    `${at(101)}H=(h) [192.0.2.101]:4001 I=[10.0.0.1]:25 sender verify fail for <nobody@example.com>: Unrouteable address`,
    `${at(101)}H=(h) [192.0.2.101]:4001 I=[10.0.0.1]:25 F=<nobody@example.com> rejected RCPT <alice@example.com>: Sender verify failed`,
    `${at(101)}SMTP connection from (h) [192.0.2.101]:4001 I=[10.0.0.1]:25 closed by DROP in ACL`,
  ], 1],
  ['three recipients refused: three tries', '192.0.2.102', [1, 2, 3].map((i) =>
    `${at(102)}H=(h) [192.0.2.102]:4002 I=[10.0.0.1]:25 F=<a@example.net> rejected RCPT <x${i}@example.org>: relay not permitted`), 3],
  ['HTTP on the SMTP port, then the drop', '192.0.2.103', [
    `${at(103)}SMTP syntax error in "GET / HTTP/1.1" H=[192.0.2.103]:4003 I=[10.0.0.1]:25 unrecognized command`,
    `${at(103)}SMTP syntax error in "Host: x" H=[192.0.2.103]:4003 I=[10.0.0.1]:25 unrecognized command`,
    `${at(103)}SMTP syntax error in "" H=[192.0.2.103]:4003 I=[10.0.0.1]:25 unrecognized command`,
    `${at(103)}SMTP call from [192.0.2.103]:4003 I=[10.0.0.1]:25 dropped: too many syntax or protocol errors (last command was "", NULL)`,
  ], 1],
  ['two passwords refused (WatchMB), the close of the session', '192.0.2.104', [
    `${at(104)}plain_server authenticator failed for (a) [192.0.2.104]:4004 I=[10.0.0.1]:587: 535 Incorrect authentication data (set_id=u)`,
    `${at(104)}plain_server authenticator failed for (a) [192.0.2.104]:4004 I=[10.0.0.1]:587: 535 Incorrect authentication data (set_id=u)`,
    `${at(104)}no MAIL in SMTP connection from (a) [192.0.2.104]:4004 I=[10.0.0.1]:587 D=2s C=EHLO,AUTH,AUTH,QUIT`,
  ], 2],
  ['a TLS error alone', '192.0.2.105', [
    `${at(105)}TLS error on connection from [192.0.2.105]:4005 I=[10.0.0.1]:465 (gnutls_handshake): An unexpected TLS packet was received.`,
  ], 1],
  ['greylisting', '192.0.2.106', [
    `${at(106)}H=(h) [192.0.2.106]:4006 I=[10.0.0.1]:25 F=<a@example.com> temporarily rejected RCPT <b@example.com>: greylisted`,
  ], 0],
  ['AUTH where it is not offered, then the drop', '192.0.2.107', [
    `${at(107)}SMTP protocol error in "AUTH LOGIN" H=(ylmf-pc) [192.0.2.107]:4007 I=[10.0.0.1]:25 AUTH command used when not advertised`,
    `${at(107)}SMTP protocol error in "AUTH LOGIN" H=(ylmf-pc) [192.0.2.107]:4007 I=[10.0.0.1]:25 AUTH command used when not advertised`,
    `${at(107)}SMTP call from (ylmf-pc) [192.0.2.107]:4007 I=[10.0.0.1]:25 dropped: too many syntax or protocol errors (last command was "AUTH LOGIN",  C=EHLO,AUTH,AUTH)`,
  ], 1],
];

describe('Exim sessions through a running WatchMX and WatchMB', () => {
  let sb: MailSandbox;
  beforeAll(async () => {
    sb = await makeMailSandbox('GEOTRACK=\nMAX_AFFAIRS=30\nTIME_SLICE=60\nSESSION_WAIT=2', { dns: false });
    appendFileSync(join(sb.inst.root, 'modules/WatchMX/WatchMX.conf'), 'RULES=rules-exim\n');
    expect((await sb.run('master/FillFW')).exitCode).toBe(0);
    expect((await sb.run('modules/WatchMX/Prep')).exitCode).toBe(0);
    sb.start('modules/WatchMX/WatchMX');
    await sb.waitFor('both status files', () => sb.status('WatchMX') && sb.status('WatchMB'));
  }, 60_000);
  afterAll(async () => {
    for (const name of ['WatchMB', 'WatchMX'] as const) { const p = sb?.pid(name); if (p && isAlive(p)) process.kill(p, 'SIGTERM'); }
    await sb?.waitFor('both modules ended', () => !['WatchMB', 'WatchMX'].some((n) => { const p = sb.pid(n as 'WatchMX'); return p && isAlive(p); }), 20_000).catch(() => undefined);
    await sb?.close();
  });

  it('counts each session once, each try once, and nothing of a temporary reject', async () => {
    sb.feed(SESSIONS.flatMap(([, , lines]) => lines));
    const total = SESSIONS.reduce((n, s) => n + s[2].length, 0);
    await sb.waitFor('every line read', () => sb.status('WatchMX')?.lines === total, 20_000);
    // The TLS error is a session line alone: it counts once its SESSION_WAIT (2 s) is over.
    await sb.waitFor('the held session line counted', () => sb.row('192.0.2.105'), 20_000);
    const mark = Date.now();
    await sb.waitFor('a status written after it', () => Date.parse(String(sb.status('WatchMX')?.updated)) > mark + 500 && Date.parse(String(sb.status('WatchMB')?.updated)) > mark + 500);
    const got = SESSIONS.map(([what, address]) => [what, (sb.row(address)?.affairs as number | undefined) ?? 0]);
    expect(got).toEqual(SESSIONS.map(([what, , , affairs]) => [what, affairs]));
    expect(sb.row('192.0.2.104')).toMatchObject({ origin: 'WatchMB', rule: 'SASL-exim-failed' });
  }, 60_000);
});
