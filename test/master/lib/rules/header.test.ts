// Anchoring: patterns count only from the program position after the syslog header, so text a
// client planted in the message (banner, user name, HELO) neither matches nor names a peer.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { REPO } from '../../../helpers/install.js';
import { findMessageStart, findSessionTag, headBareLine, isSyslogTag, parseHeader } from '../../../../master/lib/rules/header.js';
import { requiredLiteral } from '../../../../master/lib/rules/anchor.js';
import { loadRuleSet } from '../../../../master/lib/rules/ruleset.js';
import { outcomeOf, readSamples } from '../../../../master/lib/rules/samples.js';
import { replay } from '../../../modules/WatchMX/ruleset.js';

// [line as the FIFO gets it, the header the rules see (message start in that line), the message, session tag]
const FORMS: [string, string, string, string][] = [
  // RFC 3164 (rsyslog's traditional format), with and without the host name, with a PRI.
  ['Nov  1 00:00:00 vmd28527 sshd[37811]: Failed password', 'Nov  1 00:00:00 vmd28527 sshd[37811]: ', 'Failed password', 'sshd[37811]'],
  ['Feb 11 15:23:17 dropbear[1252]: login attempt for nonexistent user', 'Feb 11 15:23:17 dropbear[1252]: ', 'login attempt for nonexistent user', 'dropbear[1252]'],
  ['Jan 29 05:32:50 pop3-login: Info: Aborted login', 'Jan 29 05:32:50 pop3-login: ', 'Info: Aborted login', ''],
  ['Nov  1 00:00:00 sshd: error: x', 'Nov  1 00:00:00 sshd: ', 'error: x', ''],
  ['Jun 9 12:00:00 h imap[9]: badlogin: x', 'Jun 9 12:00:00 h imap[9]: ', 'badlogin: x', 'imap[9]'],
  ['<13>Nov  1 00:00:00 h postfix/smtpd[1]: connect from x', '<13>Nov  1 00:00:00 h postfix/smtpd[1]: ', 'connect from x', 'postfix/smtpd[1]'],
  ['2024-06-01T10:00:00Z host dovecot: imap-login: Disconnected', '2024-06-01T10:00:00Z host dovecot: ', 'imap-login: Disconnected', ''],
  // FreeBSD syslogd -v / -vv.
  ['Apr  2 17:51:27 <4.3> pancake sshd[55624]: error: PAM: x', 'Apr  2 17:51:27 <4.3> pancake sshd[55624]: ', 'error: PAM: x', 'sshd[55624]'],
  ['Mar 19 23:48:18 <auth.info> pancake sshd[55517]: Invalid user r00t', 'Mar 19 23:48:18 <auth.info> pancake sshd[55517]: ', 'Invalid user r00t', 'sshd[55517]'],
  // Solaris / illumos: the logger's [ID n facility.level] is dropped.
  ['Mar 29 05:59:23 dusky sshd[20878]: [ID 800047 auth.info] Failed keyboard-interactive for x', 'Mar 29 05:59:23 dusky sshd[20878]: ', 'Failed keyboard-interactive for x', 'sshd[20878]'],
  ['Mar 29 05:59:23 dusky sshd[20878] [ID 800047 auth.info] x', 'Mar 29 05:59:23 dusky sshd[20878]: ', 'x', 'sshd[20878]'],
  // RFC 5424: structured data (escaped ] and ", unescaped ] inside quotes) dropped, APP and PROCID made the tag.
  ['<38>1 2019-07-08T17:40:16.954+00:00 host sshd 57915 - [sd "with ] escaped"] msg', '2019-07-08T17:40:16.954+00:00 host sshd[57915]: ', 'msg', 'sshd[57915]'],
  ['<86>1 2026-12-02T18:43:45.669227+00:00 vm sshd 57915 - [timeQuality tzKnown="1" isSynced="0"][sd@123 k="with \\] and \\" and \\\\ x"] Failed password', '2026-12-02T18:43:45.669227+00:00 vm sshd[57915]: ', 'Failed password', 'sshd[57915]'],
  ['<86>1 2026-12-02T18:43:23.327308+00:00 vm sshd 57917 - -  Failed password', '2026-12-02T18:43:23.327308+00:00 vm sshd[57917]: ', 'Failed password', 'sshd[57917]'],
  ['<38>1 2019-07-08T17:40:16.954167-04:00 h.example.com sshd - ID47 - x', '2019-07-08T17:40:16.954167-04:00 h.example.com sshd: ', 'x', ''],
  ['<22>1 2026-11-01T00:00:00Z mx exim 42 - - 2026-11-01 00:00:00 [42] H=(x) [1.2.3.4]', '2026-11-01T00:00:00Z mx exim[42]: 2026-11-01 00:00:00 [42] ', 'H=(x) [1.2.3.4]', 'exim[42]'],
  ['<38>1 - host sshd 1 - - Failed', '', '<38>1 - host sshd 1 - - Failed', ''],
  // rsyslog's legacy templates for an RFC 5424 message: a tag with its pid and no ':'.
  ['2026-12-02T18:43:23.323662+00:00 vm sshd[57916] Failed password', '2026-12-02T18:43:23.323662+00:00 vm sshd[57916]: ', 'Failed password', 'sshd[57916]'],
  ['Dec  2 18:43:23 vm sshd Failed', '', 'Dec  2 18:43:23 vm sshd Failed', ''],
  // ISO 8601: fractions, zones with and without ':', journalctl's short-iso, short-iso-precise, short-precise.
  ['2024-06-01T10:00:00.123456+02:00 host postfix/submission/smtpd[77]: connect from', '2024-06-01T10:00:00.123456+02:00 host postfix/submission/smtpd[77]: ', 'connect from', 'postfix/submission/smtpd[77]'],
  ['2024-06-01T10:00:00+0200 host sshd[1]: x', '2024-06-01T10:00:00+0200 host sshd[1]: ', 'x', 'sshd[1]'],
  ['2024-06-01T10:00:00,5-0330 host sshd[1]: x', '2024-06-01T10:00:00,5-0330 host sshd[1]: ', 'x', 'sshd[1]'],
  ['Nov 15 08:02:23.123456 h sshd-session[1]: error: x', 'Nov 15 08:02:23.123456 h sshd-session[1]: ', 'error: x', 'sshd-session[1]'],
  ['Nov 01 08:02:23 h sshd-session[1]: error: x', 'Nov 01 08:02:23 h sshd-session[1]: ', 'error: x', 'sshd-session[1]'],
  ['2019-10-22 03:39:17 mx1 exim[29786]: dovecot_login authenticator failed', '2019-10-22 03:39:17 mx1 exim[29786]: ', 'dovecot_login authenticator failed', 'exim[29786]'],
  // TAI64N (daemontools multilog, s6-log, runit's svlogd -t), with a tag.
  ['@400000004c91b044077a9e94 imap-login: Info: Aborted login', '@400000004c91b044077a9e94 imap-login: ', 'Info: Aborted login', ''],
  ['@4000000063b1c9d80a1b2c3d sshd[7]: Failed password', '@4000000063b1c9d80a1b2c3d sshd[7]: ', 'Failed password', 'sshd[7]'],
  // Exim's own stamp and message id, in syslog and in its own log file.
  ['Nov  1 00:00:00 mx exim[1]: 2026-11-01 00:00:00.123 +0100 [42] H=(x) [1.2.3.4]', 'Nov  1 00:00:00 mx exim[1]: 2026-11-01 00:00:00.123 +0100 [42] ', 'H=(x) [1.2.3.4]', 'exim[1]'],
  ['2026-11-01 00:00:00 H=(x) [1.2.3.4] rejected', '2026-11-01 00:00:00 ', 'H=(x) [1.2.3.4] rejected', ''],
  ['2013-06-10 18:33:32 1Uj8o6-0005Sq-QK SA: Action: x', '2013-06-10 18:33:32 1Uj8o6-0005Sq-QK ', 'SA: Action: x', ''],
  // No header Watcher knows: the whole line is the message.
  ['1.2.3.4', '', '1.2.3.4', ''],
  ['', '', '', ''],
  ['sshd[1]: Failed password for root from 1.2.3.4', '', 'sshd[1]: Failed password for root from 1.2.3.4', ''],
  ['Mar  3 00:17:22 [sshd]: User root', '', 'Mar  3 00:17:22 [sshd]: User root', ''],
];

describe('header forms', () => {
  it.each(FORMS)('%s', (raw, header, message, tag) => {
    const { line, at } = parseHeader(raw);
    expect([line.slice(0, at), line.slice(at)]).toEqual([header, message]);
    expect(raw.slice(findMessageStart(raw))).toBe(message);
    expect(findSessionTag(raw)).toBe(tag);
    // The line the rules see reads the same again.
    expect(parseHeader(line)).toEqual({ line, at });
  });

  it('takes rsyslog\'s fold of repeated lines off where the message starts, and nowhere else', () => {
    expect(parseHeader('Dec 10 13:29:32 host sshd[1234]: message repeated 2 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]'))
      .toEqual({ line: 'Dec 10 13:29:32 host sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2', at: 33, repeats: 2 });
    expect(parseHeader('<38>1 2019-07-08T17:40:16.954+00:00 host sshd 57915 - - message repeated 3 times: [ Connection closed by 1.2.3.4 port 22 [preauth]]'))
      .toEqual({ line: '2019-07-08T17:40:16.954+00:00 host sshd[57915]: Connection closed by 1.2.3.4 port 22 [preauth]', at: 48, repeats: 3 });
    for (const raw of [
      'Dec 10 13:29:32 host sshd[1234]: Invalid user message repeated 2 times: [ x] from 1.2.3.4 port 22',
      'Dec 10 13:29:32 host sshd[1234]: message repeated 2 times: [ cut short',
      'Dec 10 13:29:32 host sshd[1234]: message repeated many times: [ x]',
    ]) expect(parseHeader(raw)).toEqual({ line: raw, at: 33 });
  });

  it('a line of any length is read in time linear in it', () => {
    const t0 = performance.now();
    for (const s of ['Nov  1 00:00:00 ', '<38>1 2019-07-08T17:40:16Z h a 1 - [x "', '<38>1 2019-07-08T17:40:16Z h a 1 - [', '@400000004c91b044077a9e94 ', '2019-10-22 03:39:17 '])
      for (const fill of ['a', 'a:', ' a', '[', '\\"', 'a[1]', '[ID 1 ']) parseHeader(s + fill.repeat(Math.ceil(8192 / fill.length)));
    // 35 lines of 8 KiB: microseconds each when linear; a quadratic reading would take minutes.
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('rules/Test reads a line without a header with one', () => {
  it.each([
    ['Failed password for root from 1.2.3.4 port 22 ssh2', 'Test[0]', 'Jan  1 00:00:00 localhost Test[0]: Failed password for root from 1.2.3.4 port 22 ssh2'],
    ['pam_unix(sshd:auth): authentication failure; rhost=1.2.3.4', 'sshd[1]', 'Jan  1 00:00:00 localhost sshd[1]: pam_unix(sshd:auth): authentication failure; rhost=1.2.3.4'],
    ['srv sshd[13709]: error: PAM: x', 'Test[0]', 'Jan  1 00:00:00 srv sshd[13709]: error: PAM: x'],
    ['sshd[13709]: error: PAM: x', 'Test[0]', 'Jan  1 00:00:00 sshd[13709]: error: PAM: x'],
    ['Nov  1 00:00:00 h sshd[2]: y', 'Test[0]', 'Nov  1 00:00:00 h sshd[2]: y'],
    ['2026-11-01 00:00:00 H=(x) [1.2.3.4] rejected', 'Test[0]', '2026-11-01 00:00:00 H=(x) [1.2.3.4] rejected'],
    ['', 'Test[0]', 'Jan  1 00:00:00 localhost Test[0]: '],
  ])('%j (--tag %s)', (line, tag, want) => {
    expect(headBareLine(line, tag)).toEqual(parseHeader(want));
    expect(parseHeader(want).at).toBeGreaterThan(0);
  });

  it('--tag takes a syslog tag only', () => {
    expect(['sshd', 'sshd[1]', 'postfix/smtpd[77]', 'auth-worker(9)'].map(isSyslogTag)).toEqual([true, true, true, true]);
    expect(['', 'a b', 'sshd:', 'sshd[x]', 'a]'].map(isSyslogTag)).toEqual([false, false, false, false, false]);
  });
});

describe('planted addresses and noise words', () => {
  const H = 'Nov  1 00:00:00 vmd28527 ';
  it('the reviewer\'s banner line names no peer: no tarpit for 10.9.9.9', async () => {
    const got = await replay('WatchLG', 'rules', [
      `${H}sshd[1]: error: kex_exchange_identification: client sent invalid protocol identifier "x: Failed password for root from 10.9.9.9 port 22 ssh2"`,
      `${H}sshd[2]: Invalid user CRON[ from 5.6.7.9 port 22`,
      `${H}sshd[3]: Failed password for root from 5.6.7.10 port 22 ssh2`,
    ]);
    expect(got.map((g) => `${g.verdict} ${g.rule} ${g.address}`)).toEqual(['match bad-protocol null', 'match invalid-user 5.6.7.9', 'match root-login 5.6.7.10']);
  });

  // Every rule set ships hostile samples that quote another line with the planted 10.9.9.9.
  it.each([['WatchLG', 'rules'], ['WatchMX', 'rules'], ['WatchMX', 'rules-exim'], ['WatchMB', 'rules'], ['WatchMB', 'rules-dovecot']])('%s/%s: hostile samples never name 10.9.9.9', (module, set) => {
    const dir = join(REPO, 'modules', module, set);
    const rules = loadRuleSet(dir);
    const hostile = readSamples(dir).filter((s) => s.text.includes('10.9.9.9') || /CRON\[|systemd\[|polkitd\[|-login: |\/smtpd\[|exim\[1\]|no auth attempts/.test(s.text.slice(findMessageStart(s.text) + 1)));
    expect(hostile.length).toBeGreaterThanOrEqual(2);
    for (const s of hostile) expect(outcomeOf(rules, s.text).address, s.text).not.toBe('10.9.9.9');
  });
});

describe('requiredLiteral', () => {
  // [JS regex source, the literal every match must contain]
  const cases: [string, string][] = [
    ['[^ ]+ authenticator failed for .*: 535', ' authenticator failed for '],
    [': Failed password for root from', ': Failed password for root from'],
    ['(Failed|Accepted) [^ ]+ for', ' for'],
    ['a|b', ''],
    ['x(?:a|b)yz', 'yz'],
    ['ab?c', 'a'],
    ['abc?', 'ab'],
    ['ab*cd', 'cd'],
    ['ab+cd', 'ab'],
    ['a{2}bc', 'bc'],
    ['\\[pid\\]: \\d+ done', '[pid]: '],
    ['[]x]yz', 'yz'],
    ['[^]x]yz', 'yz'],
    ['[a\\]b]cde', 'cde'],
    ['^.*$', ''],
    ['sshd\\[[0-9]+\\]: Invalid user', ']: Invalid user'],
  ];
  it.each(cases)('%s needs %j', (source, want) => {
    expect(requiredLiteral(source)).toBe(want);
    if (want) expect(new RegExp(source).test('nothing of it here')).toBe(false);
  });
});
