// rules/Test as fail2ban-regex: --verbose, the summary per rule and of untreated lines, stdin and
// '-', bare lines, --rule; exact output of the real program.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/install.js';

const TEST = join(REPO, 'modules/WatchLG/rules/Test');
const test = (args: string[], input?: string) => execa(TEST, args, { input, reject: false, cwd: tmpdir() });
const LINES = [
  'Nov  1 00:00:00 vmd28527 sshd[1]: Failed password for root from 60.130.203.141 port 62433 ssh2',
  'Failed password for bob from 198.51.100.4 port 22 ssh2',
  'Nov  1 00:00:01 vmd28527 kernel: eth0 link up',
  'sshd[3]: Invalid user x from 203.0.113.8 port 22',
  'Nov  1 00:00:02 vmd28527 sshd[4]: Failed password for root from 60.130.203.141 port 62434 ssh2',
  'Nov  1 00:00:03 vmd28527 CRON[2]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
];
const INPUT = LINES.join('\n') + '\n';
const SUMMARY = [
  'Matches per rule:',
  '  root-login            2',
  '  failed-password       1',
  '  invalid-user          1',
  'Untreated lines: 1',
  `  3: ${LINES[2]}`,
];

describe('rules/Test on par with fail2ban-regex', () => {
  it('plain: one result a line on stdout; the summary per rule and the untreated lines on stderr', async () => {
    const r = await test([], INPUT);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('match root-login inject 4 60.130.203.141\nmatch failed-password inject 198.51.100.4\nuntreated\nmatch invalid-user inject 203.0.113.8\nmatch root-login inject 4 60.130.203.141\nskip');
    const err = r.stderr.split('\n');
    expect(err.slice(0, 6)).toEqual(SUMMARY);
    expect(err[6]).toMatch(/^6 lines: 1 skipped, 4 matched, 1 untreated; \d+\.\d\d s, \d+ lines\/s$/);
  });

  it('--verbose: each line with its number, verdict, rule, penalty, address and text; the summary lists every rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgv-'));
    const f = join(dir, 'auth.log');
    writeFileSync(f, INPUT);
    const r = await test(['--verbose', f]);
    expect(r.stdout.split('\n')).toEqual([
      `1: match root-login inject 4 60.130.203.141 | ${LINES[0]}`,
      `2: match failed-password inject 198.51.100.4 | ${LINES[1]}`,
      `3: untreated | ${LINES[2]}`,
      `4: match invalid-user inject 203.0.113.8 | ${LINES[3]}`,
      `5: match root-login inject 4 60.130.203.141 | ${LINES[4]}`,
      `6: skip | ${LINES[5]}`,
    ]);
    expect(r.stderr).toContain('  root-login                   2\n');
    expect(r.stderr).toContain('  dropbear-password            0\n');
    // stdin as '-' is the same
    const s = await test(['-v', '-'], INPUT);
    expect(s.stdout).toBe(r.stdout);
  });

  it('--rule NAME shows only that rule\'s matches, with number and text; --json keeps the fields', async () => {
    const r = await test(['--rule', 'root-login'], INPUT);
    expect(r.stdout).toBe(`1: match root-login inject 4 60.130.203.141 | ${LINES[0]}\n5: match root-login inject 4 60.130.203.141 | ${LINES[4]}`);
    const j = await test(['--rule', 'invalid-user', '--json'], INPUT);
    expect(JSON.parse(j.stdout)).toEqual({ line: 4, verdict: 'match', rule: 'invalid-user', action: 'inject', penalty: null, address: '203.0.113.8', text: LINES[3] });
  });

  it('an unknown --rule is a usage error naming the rules there are (exit 64); a missing file is 66', async () => {
    const r = await test(['--rule', 'root-logins'], INPUT);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/^Test: --rule "root-logins": no such rule in .*modules\/WatchLG\/rules \(rules: .*\broot-login\b.*\)$/);
    expect(r.stdout).toBe('');
    const m = await test(['/nonexistent/auth.log']);
    expect(m.exitCode).toBe(66);
    expect(m.stderr).toBe('Test: /nonexistent/auth.log: no such file');
  });

  it('more than 20 untreated lines: the first 20 quoted, then a count', async () => {
    const input = Array.from({ length: 25 }, (_, i) => `Nov  1 00:00:00 h kernel: noise ${i + 1}`).join('\n') + '\n';
    const r = await test([], input);
    const err = r.stderr.split('\n');
    expect(err[0]).toBe('Matches per rule: none');
    expect(err[1]).toBe('Untreated lines: 25');
    expect(err[2]).toBe('  1: Nov  1 00:00:00 h kernel: noise 1');
    expect(err[21]).toBe('  20: Nov  1 00:00:00 h kernel: noise 20');
    expect(err[22]).toBe('  ... and 5 more (--verbose shows every line with its verdict)');
  });

  it('an escape sequence a client planted in a line is shown as \\xNN, never sent to the terminal', async () => {
    const line = 'Nov  1 00:00:00 h sshd[1]: Invalid user \x1b]0;owned\x07\x1b[2J from 203.0.113.9 port 22';
    const r = await test(['-v'], `${line}\nNov  1 00:00:00 h kernel: \x1b[31mred\n`);
    expect(r.stdout).toBe('1: match invalid-user inject 203.0.113.9 | Nov  1 00:00:00 h sshd[1]: Invalid user \\x1b]0;owned\\x07\\x1b[2J from 203.0.113.9 port 22\n2: untreated | Nov  1 00:00:00 h kernel: \\x1b[31mred');
    expect(r.stderr).toContain('  2: Nov  1 00:00:00 h kernel: \\x1b[31mred\n');
    expect(r.stdout + r.stderr).not.toContain('\x1b');
  });
});
