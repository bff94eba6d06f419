// A Postfix client writes much of its log lines itself: its HELO, envelope addresses, SASL user
// name, pipelined commands, its reverse name (its own DNS). Planted there, another address
// must never be the one WatchMX or WatchMB counts; a line a client shaped to escape (a reason
// that is not the server's) must still count. Each line through the shipped rules/Test --json.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/install.js';

const H = 'Nov  1 00:00:00 mx';
const inject = (rule: string, address: string) => ({ verdict: 'match', rule, action: 'inject', penalty: null, address });
const passon = (address: string) => ({ verdict: 'match', rule: 'SASL-affair', action: 'passon', penalty: null, address });
const kept = (rule: string) => ({ verdict: 'match', rule, action: 'return', penalty: null, address: null });
const UNTREATED = { verdict: 'untreated', rule: null, action: null, penalty: null, address: null };

type Case = [what: string, line: string, normal: object, strict?: object];

/** WatchMX (rules, Postfix): the line, its outcome at LEVEL=normal, and at strict when it differs. */
const MX: Case[] = [
  ['HELO, sender and recipient literals', `${H} postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[203.0.113.1]: 554 5.7.1 <b@[9.9.9.3]>: Relay access denied; from=<a@[9.9.9.2]> to=<b@[9.9.9.3]> proto=ESMTP helo=<[9.9.9.1]>`, inject('NOQUEUE', '203.0.113.1')],
  ['a HELO that spells a reject of another client', `${H} postfix/smtpd[2]: NOQUEUE: reject: EHLO from unknown[203.0.113.2]: 504 5.5.2 <NOQUEUE: reject: RCPT from unknown[9.9.9.4]: 554>: Helo command rejected: need fully-qualified hostname; proto=SMTP helo=<NOQUEUE: reject: RCPT from unknown[9.9.9.4]: 554>`, inject('NOQUEUE', '203.0.113.2')],
  ['a reverse name that starts like an address', `${H} postfix/smtpd[3]: NOQUEUE: reject: RCPT from 9.9.9.5.example.net[203.0.113.3]: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<> to=<x@example.com> proto=ESMTP helo=<9.9.9.5>`, inject('NOQUEUE', '203.0.113.3')],
  ['IPv6 client, the blocklist text and HELO naming others', `${H} postfix/smtpd[4]: NOQUEUE: reject: RCPT from unknown[2001:db8:113::4]: 554 5.7.1 Service unavailable; Client host [2001:db8:113::4] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/9.9.9.6; from=<a@b.c> to=<d@example.com> proto=ESMTP helo=<[IPv6:2001:db8::9]>`, inject('External-block', '2001:db8:113::4')],
  ['postscreen: the pregreeting names another client', `${H} postfix/postscreen[5]: PREGREET 40 after 0.1 from [203.0.113.5]:40000: EHLO [9.9.9.7]\\r\\nMAIL FROM:<a@[9.9.9.8]>\\r\\n from [9.9.9.9]:25`, inject('postscreen', '203.0.113.5')],
  ['postscreen reject with the client list of a HELO', `${H} postfix/postscreen[6]: NOQUEUE: reject: RCPT from [203.0.113.6]:40001: 450 4.3.2 Service currently unavailable; from=<a@[9.9.9.10]>, to=<b@example.com>, proto=ESMTP, helo=<RCPT from [9.9.9.11]:1:>`, inject('NOQUEUE', '203.0.113.6')],
  ['pipelined text that spells an AUTH drop', `${H} postfix/smtpd[7]: improper command pipelining after CONNECT from unknown[203.0.113.7]: EHLO x\\r\\nlost connection after AUTH from unknown[9.9.9.12]\\r\\n`, inject('pipelining', '203.0.113.7')],
  ['HTTP on the SMTP port with another client in the request', `${H} postfix/smtpd[8]: warning: non-SMTP command from unknown[203.0.113.8]: GET http://9.9.9.13/ HTTP/1.1 from unknown[9.9.9.14]`, inject('non-SMTP', '203.0.113.8')],
  ['a forged PTR name that is an address', `${H} postfix/smtpd[9]: warning: hostname 9.9.9.15 does not resolve to address 203.0.113.9: Name or service not known`, inject('FakeHost', '203.0.113.9')],
  ['IPv4-mapped IPv6 client', `${H} postfix/smtpd[10]: connect from unknown[::ffff:203.0.113.10]`, inject('NXdomain', '203.0.113.10')],
  ['a SASL user name quoting another SASL failure: passed on, the client named', `${H} postfix/smtpd[11]: warning: unknown[203.0.113.11]: SASL LOGIN authentication failed: authentication failure, sasl_username=x: warning: unknown[9.9.9.16]: SASL LOGIN authentication failed`, passon('203.0.113.11')],
  ['SASL failure with the port logged, IPv6', `${H} postfix/submission/smtpd[12]: warning: unknown[2001:db8:113::12]:51234: SASL Login authentication failed: UGFzc3dvcmQ6`, passon('2001:db8:113::12')],
  ['a sender that spells a SASL failure is a reject, not passed on', `${H} postfix/smtpd[13]: NOQUEUE: reject: RCPT from unknown[203.0.113.13]: 554 5.7.1 <a@b.c>: Relay access denied; from=<warning: unknown[9.9.9.17]: SASL LOGIN authentication failed@x> to=<a@b.c> proto=ESMTP helo=<x>`, inject('NOQUEUE', '203.0.113.13')],
  ['a greylisted relay whose recipient (chosen by a third party) spells a counted reason', `${H} postfix/smtpd[14]: NOQUEUE: reject: RCPT from mail.example.org[198.51.100.14]: 450 4.2.0 <"x>: Relay access denied"@example.com>: Recipient address rejected: Greylisted; from=<a@example.org> to=<"x>: Relay access denied"@example.com> proto=ESMTP helo=<mail.example.org>`, kept('NOQUEUE-kept')],
  ['a TLS failure with text after the client', `${H} postfix/smtps/smtpd[15]: SSL_accept error from unknown[203.0.113.15]: x from unknown[9.9.9.18]`, inject('SSL-frauds', '203.0.113.15')],
  ['another program quoting a Postfix reject', `${H} dovecot: imap-login: Disconnected: postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[9.9.9.19]: 554 5.7.1 x`, UNTREATED],
  ['a connect without a command: strict only', `${H} postfix/smtpd[16]: lost connection after CONNECT from unknown[203.0.113.16]`, kept('idle'), inject('idle', '203.0.113.16')],
  ['a session end with failed AUTH goes to WatchMB', `${H} postfix/smtpd[17]: disconnect from unknown[203.0.113.17] ehlo=1 auth=0/4 quit=1 commands=2/6`, passon('203.0.113.17')],
  ['anvil: a flood of connections, with the port logged', `${H} postfix/smtpd[18]: warning: Connection rate limit exceeded: 61 from unknown[203.0.113.18]:40404 for service smtp`, inject('rate-limit', '203.0.113.18')],
  ['cleanup: a milter refuses the message (strict only); the envelope spells other clients', `${H} postfix/cleanup[30]: 4Xk2Lq1Z3bz9t: milter-reject: END-OF-MESSAGE from unknown[203.0.113.30]: 5.7.1 Spam message rejected; from=<x from unknown[9.9.9.30]: 5.7.1 y> to=<d@example.com> proto=ESMTP helo=<END-OF-MESSAGE from unknown[9.9.9.31]: 5.7.1 >`, kept('content-reject'), inject('content-reject', '203.0.113.30')],
  ['cleanup: a header check refuses a header that names another client after the real one', `${H} postfix/cleanup[31]: 1A2B3C4D60: reject: header Subject: cheap from unknown[203.0.113.31]; from=<a@b.c> to=<d@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected`, kept('content-reject'), inject('content-reject', '203.0.113.31')],
  ['cleanup: a header that copies the client\'s place: two fit, none counted', `${H} postfix/cleanup[32]: 1A2B3C4D61: reject: header Subject: x from unknown[9.9.9.32]; from=<y> to=<z> proto=ESMTP helo=<w>: 5.7.1 x from unknown[203.0.113.32]; from=<a@b.c> to=<d@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected`, kept('content-reject'), { ...inject('content-reject', ''), address: null, ambiguous: ['9.9.9.32', '203.0.113.32'] }],
  ['cleanup: a milter\'s temporary refusal counts nothing', `${H} postfix/cleanup[33]: 1A2B3C4D62: milter-reject: END-OF-MESSAGE from unknown[203.0.113.33]: 4.7.1 Try again later; from=<a@b.c> to=<d@example.com> proto=ESMTP helo=<x>`, kept('NOQUEUE-kept')],
  ['PAM for Dovecot: a user name that spells another rhost goes to WatchMB with the peer', `${H} auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=rhost=9.9.9.34 rhost=203.0.113.34  user=rhost=9.9.9.35`, { ...passon('203.0.113.34'), rule: 'Mailbox-Breaker' }],
  ['a temporary DNS failure of ours is not the client\'s fault', `${H} postfix/smtpd[19]: warning: hostname mail.example.org does not resolve to address 198.51.100.19: Temporary failure in name resolution`, UNTREATED],
];

/** WatchMB (rules): what WatchMX passed on. */
const MB: Case[] = [
  ['a SASL user name quoting another failure', `${H} postfix/smtpd[21]: warning: unknown[203.0.113.21]: SASL PLAIN authentication failed: authentication failure, sasl_username=unknown[9.9.9.20]: SASL PLAIN authentication failed`, inject('SASL-plain-failed', '203.0.113.21')],
  ['a user name that spells the excused reason still counts', `${H} postfix/smtpd[22]: warning: unknown[203.0.113.22]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=Connection lost to authentication server`, inject('SASL-login-failed', '203.0.113.22')],
  ['a user name that spells the strict-only reason still counts', `${H} postfix/smtpd[23]: warning: unknown[203.0.113.23]: SASL cram-md5 authentication failed: authentication failure, sasl_username=Invalid authentication mechanism`, inject('SASL-failed', '203.0.113.23')],
  ['the authentication server gone: not the client', `${H} postfix/smtpd[24]: warning: unknown[203.0.113.24]: SASL LOGIN authentication failed: Connection lost to authentication server`, kept('SASL-unavailable')],
  ['a mechanism not offered: strict only', `${H} postfix/smtpd[25]: warning: unknown[203.0.113.25]:4000: SASL CRAM-MD5 authentication failed: Invalid authentication mechanism`, kept('SASL-mechanism'), inject('SASL-mechanism', '203.0.113.25')],
  ['pipelined text after AUTH names another client', `${H} postfix/smtpd[26]: improper command pipelining after AUTH from unknown[203.0.113.26]: dGVzdA==\\r\\nlost connection after AUTH from unknown[9.9.9.21]`, inject('SASL-session', '203.0.113.26')],
  ['an AUTH drop, IPv6 with the port logged', `${H} postfix/smtps/smtpd[27]: lost connection after AUTH from unknown[2001:db8:113::27]:50000`, inject('SASL-session', '2001:db8:113::27')],
  ['the failed-AUTH session end: strict only', `${H} postfix/smtpd[28]: disconnect from unknown[203.0.113.28] ehlo=1 auth=0/1 commands=1/2`, kept('SASL-disconnect'), inject('SASL-disconnect', '203.0.113.28')],
];

// One rules/Test --json run of the module at a level: one JSON object a line, in order.
async function replay(module: string, level: string, lines: string[]): Promise<unknown[]> {
  const r = await execa(join(REPO, 'modules', module, 'rules/Test'), ['--json', '--rules', 'rules', '--level', level], { input: `${lines.join('\n')}\n`, reject: false, cwd: tmpdir() });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => JSON.parse(l) as unknown);
}

describe('hostile Postfix lines: the client Postfix names, never a planted address', () => {
  for (const [module, cases] of [['WatchMX', MX], ['WatchMB', MB]] as const) {
    for (const level of ['normal', 'strict']) {
      it(`${module} at LEVEL=${level}`, async () => {
        const got = await replay(module, level, cases.map((c) => c[1]));
        cases.forEach(([what, , normal, strict], i) => {
          expect(got[i], what).toEqual(level === 'strict' ? strict ?? normal : normal);
        });
      });
    }
  }
});
