// A client chooses the user name Dovecot writes before its peer (user=<...> of the login
// processes, the first field of the auth process's passdb(user,ADDR,...)), and with an empty
// auth_username_chars it may hold commas, parentheses, '<>' and addresses. WatchMB names the
// peer Dovecot reports or, where the line cannot tell, none: never the planted 10.9.9.9. The
// number of tries it counts is Dovecot's, never one in the user name. Exact rules/Test --json
// output, for both WatchMB rule sets, at both levels.
import { describe, expect, it } from 'vitest';
import { ruleTool } from '../modules/WatchMX/ruleset.js';

const H = 'Dec  2 18:47:52 mx ';
const L = `${H}dovecot: `;
type Want = Record<string, unknown>;
const inject = (rule: string, address: string | null, more: Want = {}): Want => ({ verdict: 'match', rule, action: 'inject', penalty: null, address, ...more });
const quiet = (rule: string): Want => ({ verdict: 'match', rule, action: 'return', penalty: null, address: null });
const untreated: Want = { verdict: 'untreated', rule: null, action: null, penalty: null, address: null };

// [what, line, at Level=normal, at Level=strict (when it differs)]
const CASES: [string, string, Want, Want?][] = [
  ['a user name that is an address',
    `${L}imap-login: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<10.9.9.9>, method=PLAIN, rip=192.0.2.30, lip=127.0.0.1, session=<MaWvEqthV7zAAAIU>`,
    inject('Dovecot-imap-failed', '192.0.2.30')],
  ['a user name that copies the fields after it, up to a session of its own',
    `${L}imap-login: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<a>, method=PLAIN, rip=10.9.9.9, lip=1.1.1.1, session=<x>, method=PLAIN, rip=192.0.2.31, lip=127.0.0.1, session=<MaWvEqthV7zAAAIU>`,
    inject('Dovecot-imap-failed', '192.0.2.31')],
  ['an IPv6 peer and a user name with commas and angle brackets (real 2.3.19.1 line shape)',
    `${L}pop3-login: Disconnected: Aborted login by logging out (auth failed, 2 attempts in 12 secs): user=<v,10.9.9.9,<aaaa>>, method=PLAIN, rip=2001:db8::24, lip=::1, session=<yeLWE6thXYrAAAIY>`,
    inject('Dovecot-pop3-failed', '2001:db8::24', { tries: 2 })],
  ['a user name that claims thirty tries: Dovecot said one',
    `${L}submission-login: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<x (auth failed, 30 attempts in 1 secs)>, method=LOGIN, rip=192.0.2.32, lip=127.0.0.1, session=<IU+KFKth0bfAAAIZ>`,
    inject('Dovecot-login-failed', '192.0.2.32')],
  ['a connection without a password whose user name claims tries',
    `${L}pop3-login: Disconnected (no auth attempts in 0 secs): user=<(auth failed, 30 attempts>, rip=192.0.2.33, lip=10.0.0.1, session=<abd>`,
    quiet('Dovecot-harmless'), inject('Dovecot-no-auth', '192.0.2.33')],
  ['auth: a user name with an address and a session of its own before the peer',
    `${L}auth: passwd-file(v,10.9.9.9,<aaaa>,192.0.2.24,<yeLWE6thXYrAAAIY>): unknown user`,
    inject('Dovecot-auth-failed', '192.0.2.24')],
  ['auth: parentheses and two addresses in the user name (PAM through an auth worker)',
    `${L}auth-worker(5723): conn unix:auth-worker (pid=5722,uid=103): auth-worker<4>: pam(u(1.2.3.4,10.9.9.9),192.0.2.34,<yeLWE6thXYrAAAIY>): pam_authenticate() failed: Authentication failure (Password mismatch?)`,
    inject('Dovecot-auth-failed', '192.0.2.34')],
  ['auth: a user name that copies the whole end of the line',
    `${L}auth: passwd-file(x,10.9.9.9,<q2UwQ8Ae0ppAxqAG>): unknown user,192.0.2.26,<q2UwQ8Ae0ppAxqAH>): unknown user`,
    inject('Dovecot-auth-failed', '192.0.2.26')],
  ['auth: an IPv6 peer after a user name that is an IPv6 address',
    `${L}auth: sql(2001:db8::bad,2001:db8::35,<q2UwQ8Ae0ppAxqAJ>): Password mismatch`,
    inject('Dovecot-auth-failed', '2001:db8::35')],
  ['auth: a user name that ends where a given password starts: both fit, nothing counted',
    `${L}auth: passwd-file(x,10.9.9.9): password mismatch (given password: ,192.0.2.27): Password mismatch (given password: y)`,
    inject('Dovecot-auth-failed', null, { ambiguous: ['10.9.9.9', '192.0.2.27'] })],
  ['auth: a planted reason on a line whose own reason is no failure: no peer',
    `${L}auth: passwd-file(x,10.9.9.9): unknown user,192.0.2.28,<q2UwQ8Ae0ppAxqAI>): Username character disallowed by auth_username_chars: 0x2c (username: x)`,
    inject('Dovecot-auth-failed', null)],
  ['PAM: ruser= that spells rhost=',
    `${H}auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=rhost=10.9.9.9 rhost=192.0.2.36 `,
    inject('Dovecot-pam', '192.0.2.36')],
  ['PAM: a user name with blanks that spells rhost= twice: no peer',
    `${H}auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=a rhost=10.9.9.9 rhost=192.0.2.37  user=a rhost=10.9.9.9`,
    inject('Dovecot-pam', null)],
  ['PAM: a user name that spells an auth process reason is still PAM\'s line',
    `${H}auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=x,10.9.9.9): password mismatch rhost=192.0.2.25 `,
    inject('Dovecot-pam', null)],
  ['a Dovecot line quoted in the message of another program is no Dovecot line',
    `${H}postfix/smtpd[6210]: warning: Illegal address syntax from unknown[192.0.2.38] in MAIL command: <x dovecot: imap-login: Disconnected (auth failed, 9 attempts): user=<x>, rip=10.9.9.9, lip=1.1.1.1>`,
    untreated],
  ['a login reason planted in the user name of a connection without a password',
    `${L}imap-login: Disconnected: Connection closed (no auth attempts in 0 secs): user=<x) (tried to use disallowed plaintext auth): rip=10.9.9.9, lip=1.1.1.1>, rip=192.0.2.39, lip=127.0.0.1, session=<1wf9Eath0avAAAIP>`,
    quiet('Dovecot-harmless'), inject('Dovecot-no-auth', '192.0.2.39')],
];

describe('Dovecot lines with a planted address never name it', () => {
  for (const set of ['rules', 'rules-dovecot']) {
    for (const level of ['normal', 'strict'] as const) {
      it(`${set}, Level=${level}: rules/Test --json gives each line its exact outcome`, async () => {
        const r = await ruleTool('WatchMB', 'Test', ['--json', '--rules', set, '--level', level], CASES.map((c) => c[1]).join('\n') + '\n');
        expect(r.exitCode, r.stderr).toBe(0);
        const want = CASES.map(([, , normal, strict]) => JSON.stringify(level === 'strict' ? strict ?? normal : normal));
        const got = r.stdout.split('\n');
        CASES.forEach(([what], i) => expect(got[i], what).toBe(want[i]));
        expect(got).toHaveLength(CASES.length);
        expect(r.stdout).not.toContain('"address":"10.9.9.9"');
      });
    }
  }
});
