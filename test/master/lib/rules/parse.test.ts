import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRuleFile } from '../../../../master/lib/rules/parse.js';
import { parsePeerMap, parseSuperflousMap } from '../../../../master/lib/rules/maps.js';
import { countTries } from '../../../../master/lib/rules/tries.js';
import { findMessageStart } from '../../../../master/lib/rules/header.js';

const F = '/r/100-x.rule';

describe('rule files', () => {
  it('reads the seeds\' syntax: quoted pattern literal, unquoted ERE, inject N, passon, return N', () => {
    const { rules, problems } = parseRuleFile([
      'RULE=root-login',
      "Pattern=': Failed password for root'",
      '#------- Decision --------',
      'if [[ "$REPLY" =~ "$Pattern" ]]; then inject 4; return $?; fi',
      'RULE="Mailbox-Breaker"',
      "Pattern='Error:\\[pop3\\]'",
      'if [[ "$REPLY" =~ $Pattern ]]; then passon; return 2; fi',
      'RULE=ignore',
      'Pattern="[[:digit:]]+ ignored"',
      'if [[ $REPLY =~ ${Pattern} ]]; then return 0; fi',
    ].join('\n'), F);
    expect(problems).toEqual([]);
    expect(rules.map(({ name, pattern, literal, action, penalty, code, line }) => ({ name, pattern, literal, action, penalty, code, line }))).toEqual([
      { name: 'root-login', pattern: ': Failed password for root', literal: true, action: 'inject', penalty: 4, code: '$?', line: 4 },
      { name: 'Mailbox-Breaker', pattern: 'Error:\\[pop3\\]', literal: false, action: 'passon', penalty: undefined, code: 2, line: 7 },
      { name: 'ignore', pattern: '[[:digit:]]+ ignored', literal: false, action: 'return', penalty: undefined, code: 0, line: 10 },
    ]);
    expect(rules[1].regex!.test('x Error:[pop3] y')).toBe(true);
  });

  it('flags typographic quotes with file:line, as the manuals print them', () => {
    const { problems } = parseRuleFile('RULE=root-login\nPattern=": Failed"\nif [[ \u201c$REPLY\u201d =~ \u201c$Pattern\u201d ]]; then inject; return $?; fi\n', F);
    expect(problems).toHaveLength(1);
    expect(problems[0].line).toBe(3);
    expect(problems[0].message).toMatch(/typographic quote \u201c \(U\+201C\)/);
  });

  it('flags regex escapes in a literal pattern, unknown actions, fall-through, commands', () => {
    const text = [
      "RULE=a", "Pattern='Error\\:\\[pop3\\]'", 'if [[ "$REPLY" =~ "$Pattern" ]]; then passon; return 2; fi',
      'RULE=b', "Pattern=x", 'if [[ "$REPLY" =~ "$Pattern" ]]; then rm -rf /; return 1; fi',
      'if [[ "$REPLY" =~ "$Pattern" ]]; then inject; fi',
      'echo hello',
      'Pattern=$(id)',
      'FOO=1',
      'Pattern="(a"', 'if [[ "$REPLY" =~ $Pattern ]]; then inject; return $?; fi',
      'if [[ "$REPLY" =~ "$Pattern" ]]; then inject 0; return $?; fi',
    ].join('\n');
    const { rules, problems } = parseRuleFile(text, F);
    expect(rules).toEqual([]);
    expect(problems.map((p) => [p.line, p.message.slice(0, 40)])).toEqual([
      [3, 'regex escape \\: in the literal pattern "'],
      [6, 'unknown action "rm -rf /" (known: inject'],
      [7, "the decision must end with 'return N' or"],
      [8, 'not a rule line (RULE=, Pattern=, or the'],
      [9, 'Pattern="$(id)": command substitution $('],
      [10, 'unknown variable FOO (a rule sets RULE, '],
      [12, 'Pattern (line 11): unmatched ( at offset'],
      [13, 'inject takes a penalty of 1 or more, not'],
    ]);
  });

  it('Tries= reads how many tries a try line reports, where the service wrote it; it stays set until emptied', () => {
    const { rules, problems } = parseRuleFile([
      "Tries='[a-z0-9]+-login: [^<>]*\\(auth failed, [0-9]+'",
      'RULE=failed',
      "Pattern='-login: [^<>]*\\(auth failed, '",
      'if [[ "$REPLY" =~ $Pattern ]]; then inject; return $?; fi',
      'Affair=session',
      'RULE=beside',
      "Pattern='auth: '",
      'if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi',
      'Tries=',
      'Affair=try',
      'RULE=plain',
      "Pattern='auth: '",
      'if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi',
    ].join('\n'), F);
    expect(problems).toEqual([]);
    const H = 'Nov  1 00:00:00 mx dovecot: ';
    const tries = (i: number, line: string) => countTries(rules[i], line, findMessageStart(line));
    const three = `${H}imap-login: Disconnected (auth failed, 3 attempts in 9 secs): user=<a>, method=PLAIN, rip=192.0.2.1, lip=10.0.0.1, session=<s>`;
    expect(tries(0, three)).toBe(3);
    // A number in the user name is never read; more than 30 counts 30, 0 counts 1.
    expect(tries(0, `${H}imap-login: Disconnected (no auth attempts in 0 secs): user=<(auth failed, 30 attempts>, rip=192.0.2.1, lip=10.0.0.1`)).toBe(1);
    expect(tries(0, `${H}imap-login: Disconnected (auth failed, 4000 attempts in 9 secs): user=<a>, rip=192.0.2.1, lip=10.0.0.1`)).toBe(30);
    expect(tries(0, `${H}imap-login: Disconnected (auth failed, 0 attempts in 9 secs): user=<a>, rip=192.0.2.1, lip=10.0.0.1`)).toBe(1);
    // A session line never counts more than one, a rule after 'Tries=' reads nothing.
    expect(tries(1, three)).toBe(1);
    expect(rules[2].tries).toBeUndefined();
    const bad = parseRuleFile(["Tries='auth failed, [0-9]+ attempts'", "Tries='('", 'RULE=x', "Pattern='x'", 'if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi'].join('\n'), F);
    expect(bad.problems.map((p) => [p.line, p.message.slice(0, 30)])).toEqual([[5, 'Tries (line 2): unmatched ( at']]);
    const end = parseRuleFile(["Tries='auth failed, [0-9]+ attempts'", 'RULE=x', "Pattern='x'", 'if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi'].join('\n'), F);
    expect(end.problems.map((p) => p.message)).toEqual(["Tries (line 1): the pattern must end with [0-9]+, the number of tries it reads: \"auth failed, [0-9]+ attempts\""]);
  });

  it('needs RULE and Pattern before a decision', () => {
    const { problems } = parseRuleFile('if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi', F);
    expect(problems[0]).toMatchObject({ line: 1, message: 'decision without a RULE= name before it' });
  });
});

describe('peer_map', () => {
  const H = 'Nov  1 00:00:00 host ';
  const { find } = parsePeerMap([
    '(Failed|Accepted) [^ ]+ for .* from ADDR port [0-9]+',
    '(Invalid|Illegal) user .* from ADDR',
    'Unable to negotiate with ADDR port [0-9]+',
    'connect from unknown\\[ADDR\\]',
    '(imap|pop3)-login: .*, rip=ADDR, lip=',
  ].join('\n'), '/r/peer_map');
  it.each([
    [H + 'sshd[1]: Invalid user 1.2.3.4 from 5.6.7.8 port 22', '5.6.7.8'],
    [H + 'sshd[1]: Invalid user invalid user 1.2.3.4 from 5.6.7.8', '5.6.7.8'],
    // Two addresses fit where this map's pattern puts the peer: the line cannot say which.
    [H + 'sshd[1]: Failed password for x from 1.2.3.4 port 1 ssh2 from 5.6.7.8 port 2 ssh2', { ambiguous: ['1.2.3.4', '5.6.7.8'] }],
    [H + 'sshd[1]: Failed password for x from 1.2.3.4 port 1 ssh2 from 1.2.3.4 port 2 ssh2', '1.2.3.4'],
    [H + 'sshd[1]: Unable to negotiate with 9.9.9.9 port 2: Their offer: Invalid user x from 1.2.3.4', '9.9.9.9'],
    [H + 'sshd[1]: Failed password for root from ::ffff:192.0.2.9 port 2 ssh2', '192.0.2.9'],
    [H + 'sshd[1]: Failed password for root from 2001:DB8::1 port 2 ssh2', '2001:db8::1'],
    [H + 'smtpd[1]: connect from unknown[203.0.113.7]', '203.0.113.7'],
    [H + 'dovecot: imap-login: auth failed, user=<x, rip=1.1.1.1, lip=>, method=PLAIN, rip=203.0.113.8, lip=10.0.0.1', { ambiguous: ['1.1.1.1', '203.0.113.8'] }],
    [H + 'smtpd[1]: connect from unknown[203.0.113.7-x.evil.example]', undefined],
    [H + 'smtpd[1]: connect from unknown[x203.0.113.7]', undefined],
    [H + 'sshd[1]: Failed password for root from 999.1.1.1 port 2 ssh2', undefined],
    ['1.2.3.4', undefined],
    ['', undefined],
  ])('%s -> %j', (line, want) => {
    expect(find(line)).toEqual(want);
  });

  // The shipped WatchLG map spells what sshd writes after its peer, so only the real peer fits.
  const lg = parsePeerMap(readFileSync(join(__dirname, '../../../../modules/WatchLG/rules/peer_map'), 'utf8'), 'peer_map').find;
  it.each([
    ['Failed publickey for root from 203.0.113.9 port 58946 ssh2: RSA-CERT SHA256:abc ID x from 10.1.1.1 port 55555 ssh2 (serial 0) CA RSA SHA256:def', '203.0.113.9'],
    ['Failed publickey for root from 203.0.113.9 port 58946 ssh2: from 10.1.1.1 port 55555 ssh2', { ambiguous: ['203.0.113.9', '10.1.1.1'] }],
    ['Failed password for invalid user x from 1.2.3.4 port 1 ssh2 from 5.6.7.8 port 2 ssh2', '5.6.7.8'],
    ['Invalid user a from 10.1.1.1 port 1 from 203.0.113.9 port 22', '203.0.113.9'],
    ['pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.1.1.1-x.evil.example  user=root', undefined],
    ['pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.1.1.1.evil.example  user=root', undefined],
    ['pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=rhost=10.1.1.1', '203.0.113.9'],
    ['Bad protocol version identification \'x from 10.1.1.1 port 1\' from 203.0.113.9 port 41000', '203.0.113.9'],
  ])('WatchLG: %s -> %j', (msg, want) => {
    expect(lg(`${H}sshd[1]: ${msg}`)).toEqual(want);
  });

  it('needs exactly one ADDR a line', () => {
    expect(parsePeerMap('from ADDR to ADDR\nfrom x', '/r/peer_map').problems.map((p) => p.line)).toEqual([1, 2]);
  });
});

describe('superflous_map', () => {
  it('is one regex of every line; a bad line names its line', () => {
    const ok = parseSuperflousMap('# noise\npolkitd\\[\nCRON\\[\n', '/r/s');
    expect(ok.count).toBe(2);
    expect(ok.regex!.test('x CRON[1]: y')).toBe(true);
    expect(ok.regex!.test('x sshd[1]: y')).toBe(false);
    expect(parseSuperflousMap('a\n(b\n', '/r/s').problems[0]).toMatchObject({ file: '/r/s', line: 2 });
  });
});
