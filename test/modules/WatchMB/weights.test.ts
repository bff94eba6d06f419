// One attempt, one affair, for Dovecot: the lines Debian 12's Dovecot 2.3.19.1 writes for one
// connection (its login process's last line, its auth process's lines with auth_verbose=yes,
// PAM's) through WatchMB's scanner and shipped rules, with a pinned clock.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scanner } from '../../../master/lib/module/scanner.js';
import { loadRuleSet } from '../../../master/lib/rules/ruleset.js';
import { newCounters } from '../../../master/lib/core/status.js';
import type { Injector, InjectRequest } from '../../../master/lib/module/inject.js';
import { REPO } from '../../helpers/install.js';

const H = 'Dec  2 18:46:34 mx ';
const login = (addr: string, n: number, proto = 'imap') => `${H}dovecot: ${proto}-login: Disconnected: Aborted login by logging out (auth failed, ${n} attempts in 4 secs): user=<alice>, method=PLAIN, rip=${addr}, lip=127.0.0.1, session=<tvPtD6th04/AAAIK>`;
const passwdFile = (addr: string) => `${H}dovecot: auth: passwd-file(alice,${addr},<tvPtD6th04/AAAIK>): Password mismatch`;
const pam = (addr: string) => `${H}dovecot: auth-worker(4291): conn unix:auth-worker (pid=4290,uid=103): auth-worker<1>: pam(alice,${addr},<tvPtD6th04/AAAIK>): pam_authenticate() failed: Authentication failure (Password mismatch?)`;
const pamUnix = (addr: string) => `${H}auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=alice rhost=${addr} `;
const smtpAuth = (addr: string) => `${H}dovecot: auth: passwd-file(alice,${addr}): Password mismatch`;
const noAuth = (addr: string) => `${H}dovecot: imap-login: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=${addr}, lip=127.0.0.1, session=<1wf9Eath0avAAAIP>`;

/** A scanner over the shipped rules-dovecot set at `level`; `feed` advances the clock by `ms` before each line. */
function scanner(level: 'normal' | 'strict' = 'normal') {
  let t = 0;
  const counted: string[] = [];
  const injector = { submit: (r: InjectRequest) => counted.push(`${r.address} ${r.rule}`), flush: () => {}, queued: 0 } as unknown as Injector;
  const s = new Scanner(loadRuleSet(join(REPO, 'modules/WatchMB/rules-dovecot'), level), {
    injector, counters: newCounters(), trace: { on: false, write: () => {} }, clock: { now: () => t, mono: () => t }, sessionWaitMs: 10_000,
  });
  return {
    counted,
    feed: (lines: string[], ms = 1000) => { for (const l of lines) { t += ms; s.scan([l]); s.settle(); } },
    later: (ms: number) => { t += ms; s.settle(); },
  };
}

describe('WatchMB counts each failed Dovecot password once', () => {
  it('auth_verbose=no: every connection counts, one a try, however close together', () => {
    const m = scanner();
    m.feed([login('192.0.2.10', 1), login('192.0.2.10', 1), login('192.0.2.10', 1)]);
    m.feed([login('2001:db8::10', 3, 'pop3')]);
    expect(m.counted).toEqual([
      ...Array(3).fill('192.0.2.10 Dovecot-imap-failed'),
      ...Array(3).fill('2001:db8::10 Dovecot-pop3-failed'),
    ]);
  });

  it('auth_verbose=yes with two passdbs and PAM: the auth lines of a connection add nothing to its login line', () => {
    const m = scanner();
    const a = '192.0.2.11';
    m.feed([passwdFile(a), pamUnix(a), pam(a), passwdFile(a), pamUnix(a), pam(a), passwdFile(a), pamUnix(a), pam(a), login(a, 3)]);
    m.later(120_000);
    expect(m.counted).toEqual(Array(3).fill(`${a} Dovecot-imap-failed`));
  });

  it('auth lines without a login line (Postfix or Exim authenticating through Dovecot) count once after SESSION_WAIT', () => {
    const m = scanner();
    const a = '192.0.2.25';
    m.feed([smtpAuth(a)]);
    m.later(8_000);
    expect(m.counted).toEqual([]);
    m.later(2_000);
    expect(m.counted).toEqual([`${a} Dovecot-auth-failed`]);
    // The next within a minute is taken as part of what was counted.
    m.feed([smtpAuth(a)], 5_000);
    m.later(60_000);
    expect(m.counted).toEqual([`${a} Dovecot-auth-failed`]);
  });

  it('connections without a password: nothing below Level=strict, one each at strict', () => {
    const normal = scanner('normal');
    normal.feed([noAuth('192.0.2.15'), noAuth('192.0.2.15')]);
    normal.later(60_000);
    expect(normal.counted).toEqual([]);
    const strict = scanner('strict');
    strict.feed([noAuth('192.0.2.15'), noAuth('192.0.2.15')]);
    expect(strict.counted).toEqual(['192.0.2.15 Dovecot-no-auth', '192.0.2.15 Dovecot-no-auth']);
  });
});
