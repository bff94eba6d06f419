// WatchLG's rule set: every annotated sample replayed through rules/Test, and the rule tools.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/install.js';
import { readSamples } from '../../../master/lib/rules/samples.js';
import { listRuleFiles } from '../../../master/lib/rules/ruleset.js';
import { parseRuleFile } from '../../../master/lib/rules/parse.js';

const RULES = join(REPO, 'modules/WatchLG/rules');
const tool = (name: string, args: string[], input?: string | Buffer) => execa(join(RULES, name), args, { input, reject: false, cwd: tmpdir() });

describe('WatchLG rules', () => {
  const samples = readSamples(RULES);

  it('every rule has at least one annotated sample that it matches', () => {
    for (const file of listRuleFiles(RULES)) {
      for (const rule of parseRuleFile(readFileSync(file, 'utf8'), file).rules) {
        expect(samples.some((s) => s.verdict === 'match' && s.rule === rule.name), `${file}:${rule.line}: ${rule.name} has no sample`).toBe(true);
      }
    }
    expect(samples.some((s) => s.verdict === 'skip')).toBe(true);
  });

  it('rules/Test --json --level strict gives every sample its annotated verdict, rule and address, in order', async () => {
    const r = await tool('Test', ['--json', '--level', 'strict'], samples.map((s) => s.text).join('\n') + '\n');
    expect(r.exitCode).toBe(0);
    // An open line's sample names the peer it opens its session with (it counts nothing).
    const got = r.stdout.split('\n').map((l) => JSON.parse(l)).map((o) => (o.opens ? { ...o, address: o.opens } : o));
    expect(got).toHaveLength(samples.length);
    samples.forEach((s, i) => {
      const want = s.verdict === 'match' ? { verdict: 'match', rule: s.rule, address: s.address ?? null, ...(s.ambiguous ? { ambiguous: expect.any(Array) } : {}) } : { verdict: s.verdict, rule: null, address: null };
      if (!s.ambiguous) expect(got[i], `${s.file}:${s.line}`).not.toHaveProperty('ambiguous');
      expect(got[i], `${s.file}:${s.line}`).toMatchObject(want);
    });
    expect(r.stderr).toMatch(new RegExp(`(^|\\n)${samples.length} lines: \\d+ skipped, \\d+ matched, \\d+ untreated`));
  });

  it('at --level normal a sample is as annotated, or its strict rule ends the ladder counting nothing', async () => {
    const strict = new Set(listRuleFiles(RULES).flatMap((f) => parseRuleFile(readFileSync(f, 'utf8'), f).rules).filter((x) => x.level === 'strict').map((x) => x.name));
    const r = await tool('Test', ['--json', '--level', 'normal'], samples.map((s) => s.text).join('\n') + '\n');
    const got = r.stdout.split('\n').map((l) => JSON.parse(l)).map((o) => (o.opens ? { ...o, address: o.opens } : o));
    let returned = 0;
    samples.forEach((s, i) => {
      const want = s.verdict === 'match' ? { verdict: 'match', rule: s.rule, address: s.address ?? null } : { verdict: s.verdict, rule: null, address: null };
      if (s.verdict === 'match' && strict.has(s.rule!) && got[i].action === 'return') {
        returned++;
        expect(got[i], `${s.file}:${s.line}`).toEqual({ verdict: 'match', rule: s.rule, action: 'return', penalty: null, address: null });
      } else expect(got[i], `${s.file}:${s.line}`).toMatchObject(want);
    });
    expect(returned).toBeGreaterThan(10);
  });

  it('rules/Test reads a file and prints plain result lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgtest-'));
    const f = join(dir, 'auth.log');
    writeFileSync(f, [
      'Nov  1 00:00:00 vmd28527 sshd[1]: Failed password for root from 60.130.203.141 port 62433 ssh2',
      'Nov  1 00:00:00 vmd28527 CRON[2]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
      'Nov  1 00:00:00 vmd28527 kernel: something else',
      'Nov  1 00:00:00 vmd28527 sshd[3]: Invalid user 1.2.3.4 from 5.6.7.8 port 22',
    ].join('\n'));
    const r = await tool('Test', [f]);
    expect(r.stdout).toBe('match root-login inject 4 60.130.203.141\nskip\nuntreated\nmatch invalid-user inject 5.6.7.8');
  });

  it('survives bad input: 1 MB line, binary bytes, invalid UTF-8, empty lines, SQL quotes', async () => {
    const input = Buffer.concat([
      Buffer.from(`Nov  1 00:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 1 ${'x'.repeat(1 << 20)}\n`),
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a]),
      Buffer.from('Nov  1 00:00:00 h sshd[1]: Invalid user \xc3\x28 from 5.6.7.8 port 22\n', 'latin1'),
      Buffer.from('\n\n'),
      Buffer.from("Nov  1 00:00:00 h sshd[1]: Invalid user '; DROP TABLE bandits; -- from 9.8.7.6 port 22\n"),
      Buffer.from('Nov  1 00:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 1 ssh2'),
    ]);
    const r = await tool('Test', [], input);
    expect(r.exitCode).toBe(0);
    // One result per input line: the 1 MB line is 'overlong', not dropped.
    expect(r.stdout.split('\n')).toEqual(['overlong', 'untreated', 'match invalid-user inject 5.6.7.8', 'untreated', 'untreated', 'match invalid-user inject 9.8.7.6', 'match root-login inject 4 1.2.3.4']);
  });

  it('check-rule names file:line of typographic quotes and exits 78; clean files say OK', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgrule-'));
    const bad = join(dir, '100-root-login.rule');
    writeFileSync(bad, 'RULE=root-login\nPattern=": Failed password for root"\n#------- Decision --------\nif [[ \u201c$REPLY\u201d =~ \u201c$Pattern\u201d ]]; then inject; return $?; fi\n');
    const r = await tool('check-rule', [bad]);
    expect(r.exitCode).toBe(78);
    expect(r.stdout).toContain(`${bad}:4: typographic quote \u201c`);
    const good = await tool('check-rule', [join(RULES, '100-root-login.rule')]);
    expect(good.exitCode).toBe(0);
    expect(good.stdout).toMatch(/100-root-login\.rule: OK \(5 decisions, \d+ samples\)/);
  });

  it('check-all-rules explains a seed pattern that matches only inside the message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgseed-'));
    writeFileSync(join(dir, '100-x.rule'), "RULE=x\nPattern='Failed password for root'\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n#expect match x 2.2.2.2\n#line Nov  1 00:00:00 h sshd[1]: error: Failed password for root from 2.2.2.2 port 1 ssh2\n");
    writeFileSync(join(dir, 'peer_map'), 'Failed password for [^ ]+ from ADDR port\n');
    const r = await tool('check-all-rules', [dir]);
    expect(r.exitCode).toBe(78);
    expect(r.stdout).toContain(`${join(dir, '100-x.rule')}:5: sample gives 'untreated', annotated 'match x 2.2.2.2' (Pattern of x matches only inside the message`);
  });

  it('check-all-rules passes on the shipped rules and fails on a sample that lies', async () => {
    const ok = await tool('check-all-rules', []);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/all samples as annotated/);
    const dir = mkdtempSync(join(tmpdir(), 'lgall-'));
    writeFileSync(join(dir, '100-x.rule'), "RULE=x\nPattern=': Failed password for'\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n#expect match x 1.1.1.1\n#line Nov  1 00:00:00 h sshd[1]: Failed password for root from 2.2.2.2 port 1 ssh2\n");
    writeFileSync(join(dir, 'peer_map'), 'Failed password for [^ ]+ from ADDR port\n');
    const r = await tool('check-all-rules', [dir]);
    expect(r.exitCode).toBe(78);
    expect(r.stdout).toContain(`${join(dir, '100-x.rule')}:5: sample gives 'match x 2.2.2.2', annotated 'match x 1.1.1.1'`);
  });
});
