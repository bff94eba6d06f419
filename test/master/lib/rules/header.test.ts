// Anchoring: patterns count only from the program position after the syslog header, so text a
// client planted in the message (banner, user name, HELO) neither matches nor names a peer.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { REPO } from '../../../helpers/install.js';
import { findMessageStart, requiredLiteral } from '../../../../master/lib/rules/header.js';
import { loadRuleSet } from '../../../../master/lib/rules/ruleset.js';
import { outcomeOf, readSamples } from '../../../../master/lib/rules/samples.js';
import { replay } from '../../../modules/WatchMX/ruleset.js';

describe('findMessageStart', () => {
  it.each([
    ['Nov  1 00:00:00 vmd28527 sshd[37811]: Failed password', 'Failed password'],
    ['Nov 15 08:02:23.123456 h sshd-session[1]: error: x', 'error: x'],
    ['2024-06-01T10:00:00.123456+02:00 host postfix/submission/smtpd[77]: connect from', 'connect from'],
    ['2024-06-01T10:00:00Z host dovecot: imap-login: Disconnected', 'imap-login: Disconnected'],
    ['Nov  1 00:00:00 mx exim[1]: 2026-11-01 00:00:00.123 +0100 [42] H=(x) [1.2.3.4]', 'H=(x) [1.2.3.4]'],
    ['2026-11-01 00:00:00 H=(x) [1.2.3.4] rejected', 'H=(x) [1.2.3.4] rejected'],
    ['1.2.3.4', '1.2.3.4'],
    ['', ''],
    ['sshd[1]: Failed password for root from 1.2.3.4', 'sshd[1]: Failed password for root from 1.2.3.4'],
  ])('%s', (line, message) => {
    expect(line.slice(findMessageStart(line))).toBe(message);
  });
});

describe('planted addresses and noise words', () => {
  const H = 'Nov  1 00:00:00 vmd28527 ';
  it('the reviewer\'s banner line is untreated: no tarpit for 10.9.9.9', async () => {
    const got = await replay('WatchLG', 'rules', [
      `${H}sshd[1]: error: kex_exchange_identification: client sent invalid protocol identifier "x: Failed password for root from 10.9.9.9 port 22 ssh2"`,
      `${H}sshd[2]: Invalid user CRON[ from 5.6.7.9 port 22`,
      `${H}sshd[3]: Failed password for root from 5.6.7.10 port 22 ssh2`,
    ]);
    expect(got.map((g) => `${g.verdict} ${g.rule} ${g.address}`)).toEqual(['untreated null null', 'match invalid-user 5.6.7.9', 'match root-login 5.6.7.10']);
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
