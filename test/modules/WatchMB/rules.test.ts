// WatchMB's rule sets (SASL with DBmail, SASL with Dovecot): samples replayed, address traps.
import { describe, expect, it } from 'vitest';
import { replay, ruleTool, expectSamplesReplay } from '../WatchMX/ruleset.js';

describe('WatchMB rule sets', () => {
  for (const set of ['rules', 'rules-dovecot']) {
    it(`${set}: rules/Test gives every annotated sample its verdict, rule and address`, async () => {
      await expectSamplesReplay('WatchMB', set);
    });
    it(`${set}: check-all-rules passes`, async () => {
      const r = await ruleTool('WatchMB', 'check-all-rules', [set]);
      expect(r.exitCode, r.stdout).toBe(0);
    });
  }

  it('the address is rip= of Dovecot, never one in the user name, even a forged rip=', async () => {
    const got = await replay('WatchMB', 'rules-dovecot', [
      'Nov  1 00:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<9.9.9.1>, method=PLAIN, rip=203.0.113.30, lip=10.0.0.1, TLS, session=<a>',
      'Nov  1 00:00:00 mx dovecot: pop3-login: Aborted login (auth failed, 1 attempts in 2 secs): user=<a>, method=PLAIN, rip=9.9.9.2, lip=9.9.9.3>, method=PLAIN, rip=203.0.113.31, lip=10.0.0.1, session=<b>',
      'Nov  1 00:00:00 mx dovecot: imap-login: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=<rip=9.9.9.4, lip=>, method=PLAIN, rip=203.0.113.32, lip=10.0.0.1, TLS, session=<c>',
    ]);
    expect(got.map((g) => g.address)).toEqual(['203.0.113.30', '203.0.113.31', '203.0.113.32']);
  });

  it('the address is the SASL client, never the SASL user name; DBmail: never the [user]', async () => {
    const got = await replay('WatchMB', 'rules', [
      'Nov  1 00:00:00 mx postfix/smtpd[1]: warning: unknown[203.0.113.40]: SASL LOGIN authentication failed: authentication failure, sasl_username=warning: unknown[9.9.9.1]: SASL',
      'Nov  1 00:00:00 mx dbmail-imapd[2]: Error:[imap] _ic_login_enter(+129): [0x1] user [a from [9.9.9.2:1] login rejected] from [203.0.113.41:4000] login rejected',
    ]);
    expect(got.map((g) => g.address)).toEqual(['203.0.113.40', '203.0.113.41']);
  });
});
