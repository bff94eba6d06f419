// A line that stalls detection: lines crafted against the shipped kex rule (WatchLG), Exim's
// authenticator rules (WatchMX passes on, WatchMB counts) and an administrator's `(a+)+$`.
// Before, one 64 KiB kex line cost WatchLG 80 s and one Exim line WatchMB 12 s, during which
// no attack was counted; `(a+)+$` never finished. Now every pattern runs in time linear in the
// line, a line over MAX_LINE is `overlong`, and check-rule names the pattern that backtracks.
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/install.js';
import { makeModuleSandbox, type ModuleSandbox } from '../helpers/sandbox.js';
import { makeMailSandbox, type MailSandbox } from '../modules/WatchMX/sandbox.js';
import { isAlive } from '../../master/lib/core/lock.js';
import { MAX_LINE } from '../../master/lib/core/lines.js';

const H = 'Nov  1 00:00:00 vmd28527';
const KIB = 1024;
/** A program that does not answer within this time has stalled (before: 80 s, or never). */
const STALL_MS = 20_000;
/** The time a module may take to count a normal attack line sent right after the crafted ones. */
const COUNT_MS = 5_000;

// `head`, then `unit` as often as it fits, then `tail`: at most `len` characters.
function fill(len: number, head: string, unit: string, tail = ''): string {
  let line = head;
  while (line.length + unit.length + tail.length <= len) line += unit;
  return line + tail;
}
/** Many starts of the kex rule, each followed by many ` port N: `: cubic for the old rule. */
const kexLine = (len: number): string => fill(len, `${H} sshd[7]: `, 'ssh_dispatch_run_fatal: Connection from x port 1: ');
/** A long word before Exim's authenticator words, without `: 535 `: quadratic for an unanchored search. */
const eximLine = (len: number): string => fill(len, `${H} exim[8]: 2026-11-01 00:00:00 `, 'a', ' authenticator failed for ');
/** `(a+)+$` against a run of a's that does not end the line: exponential for a backtracking engine. */
const nestedLine = (len: number): string => fill(len, `${H} sshd[9]: `, 'a', '!');

const invalidUser = (addr: string): string => `${H} sshd[10]: Invalid user x from ${addr} port 22`;
const eximAuth = (addr: string): string => `${H} exim[11]: 2026-11-01 00:00:00 dovecot_login authenticator failed for (User) [${addr}]: 535 Incorrect authentication data`;

const NESTED_RULE = (sample: string): string => [
  '# An administrator\'s rule that a backtracking engine takes exponential time for.',
  'RULE=nested',
  "Pattern='(a+)+$'",
  'if [[ "$REPLY" =~ $Pattern ]]; then inject; return $?; fi',
  '#expect match nested -',
  `#line ${H} sshd[9]: aaaa`,
  '#expect untreated',
  `#line ${sample}`,
  '',
].join('\n');

/** WatchLG's shipped rules plus 050-nested.rule, in `dir`. */
function writeStallRules(dir: string): string {
  cpSync(join(REPO, 'modules/WatchLG/rules'), dir, { recursive: true, filter: (src) => !/\/(Test|check-rule|check-all-rules)(\.ts)?$/.test(src) });
  writeFileSync(join(dir, '050-nested.rule'), NESTED_RULE(nestedLine(MAX_LINE)));
  return dir;
}

const program = (rel: string, args: string[], input?: string) => execa(join(REPO, rel), args, { input, reject: false, cwd: tmpdir(), timeout: STALL_MS });

describe('crafted lines through the rule tools', () => {
  const rules = writeStallRules(join(mkdtempSync(join(tmpdir(), 'stall-')), 'rules-stall'));

  it('rules/Test answers one result per line, `overlong` past the cap, for the shipped kex rule and `(a+)+$`', async () => {
    const input = [kexLine(64 * KIB), kexLine(MAX_LINE), nestedLine(64 * KIB), nestedLine(MAX_LINE), invalidUser('192.0.2.77')];
    const r = await program('modules/WatchLG/rules/Test', ['--rules', rules], input.join('\n') + '\n');
    expect(r.timedOut, 'rules/Test stalled').toBe(false);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['overlong', 'untreated', 'overlong', 'untreated', 'match invalid-user inject 192.0.2.77']);
    expect(r.stderr).toMatch(/(^|\n)5 lines: 0 skipped, 1 matched, 2 untreated, 2 overlong \(over 8192 characters\);/);
  });

  it("rules/Test of WatchMX (rules-exim) and WatchMB answer at once for Exim's authenticator rules", async () => {
    const input = [eximLine(64 * KIB), eximLine(MAX_LINE), eximAuth('192.0.2.88')].join('\n') + '\n';
    const mx = await program('modules/WatchMX/rules/Test', ['--rules', 'rules-exim'], input);
    expect(mx.timedOut, 'WatchMX rules/Test stalled').toBe(false);
    expect(mx.stdout.split('\n')).toEqual(['overlong', 'match SASL-exim passon -', 'match SASL-exim passon 192.0.2.88']);
    const mb = await program('modules/WatchMB/rules/Test', [], input);
    expect(mb.timedOut, 'WatchMB rules/Test stalled').toBe(false);
    expect(mb.stdout.split('\n')).toEqual(['overlong', 'untreated', 'match SASL-exim-failed inject 192.0.2.88']);
  });

  it('rules/Test prints 3 results for 3 lines, one of them 70 KiB (also with --json)', async () => {
    const input = [invalidUser('192.0.2.1'), `${H} sshd[1]: Invalid user ${'x'.repeat(70 * KIB)} from 192.0.2.2 port 22`, invalidUser('192.0.2.3')].join('\n');
    const r = await program('modules/WatchLG/rules/Test', [], input);
    expect(r.stdout.split('\n')).toEqual(['match invalid-user inject 192.0.2.1', 'overlong', 'match invalid-user inject 192.0.2.3']);
    const j = await program('modules/WatchLG/rules/Test', ['--json'], input);
    expect(j.stdout.split('\n').map((l) => JSON.parse(l))).toEqual([
      { verdict: 'match', rule: 'invalid-user', action: 'inject', penalty: null, address: '192.0.2.1' },
      { verdict: 'overlong', rule: null, action: null, penalty: null, address: null },
      { verdict: 'match', rule: 'invalid-user', action: 'inject', penalty: null, address: '192.0.2.3' },
    ]);
  });

  it('check-rule warns about `(a+)+$` naming file:line, and still passes the file', async () => {
    const file = join(rules, '050-nested.rule');
    const r = await program('modules/WatchLG/rules/check-rule', [file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      `${file}:3: warning: pattern backtracks more than linearly: a+ inside the repeated (a+)+ can split the same text many ways (exponential); a line that provokes it is matched again on the slower linear-time engine`,
      `${file}: OK (1 decisions, 2 samples, 1 warning)`,
    ].join('\n'));
  });

  it('check-all-rules warns too and replays the crafted sample in time', async () => {
    const r = await program('modules/WatchLG/rules/check-all-rules', [rules]);
    expect(r.timedOut, 'check-all-rules stalled').toBe(false);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain(`${join(rules, '050-nested.rule')}:3: warning: pattern backtracks more than linearly`);
    expect(r.stdout).toMatch(/rules-stall: \d+ decisions in \d+ files, \d+ samples, all samples as annotated$/);
    expect(r.stdout.match(/warning:/g)).toHaveLength(1);
  });
});

describe('crafted lines through a running WatchLG', () => {
  let sb: ModuleSandbox;
  let proc: ResultPromise;
  beforeAll(async () => {
    sb = await makeModuleSandbox(['WatchLG'], 'MAX_AFFAIRS=5\nTIME_SLICE=60\nRULES=rules-stall\nSESSION_WAIT=1', { dns: false });
    writeStallRules(join(sb.inst.root, 'modules/WatchLG/rules-stall'));
    expect((await sb.run('master/FillFW')).exitCode).toBe(0);
    expect((await sb.run('modules/WatchLG/Prep')).exitCode).toBe(0);
    proc = sb.start('modules/WatchLG/WatchLG');
    await sb.waitFor('the status file', () => sb.statusOf('WatchLG'));
  });
  afterAll(async () => {
    if (proc && proc.exitCode === null) { proc.kill('SIGKILL'); await proc.catch(() => undefined); }
    await sb?.close();
  });

  it('names the pattern that backtracks in its log at start', async () => {
    const warning = 'rules-stall/050-nested.rule:3: warning: pattern backtracks more than linearly';
    await sb.waitFor('the warning in the log', () => sb.read(join(sb.inst.logDir, 'WatchLG.log')).includes(warning));
  });

  it('counts an attack line sent right after crafted kex and `(a+)+$` lines within seconds', async () => {
    const row = (a: string): unknown => sb.withDb('WatchLG', (db) => db.prepare('SELECT address FROM bandits WHERE address = ?').get(a));
    const t0 = Date.now();
    appendFileSync(join(sb.inst.fifoBase, 'WatchLG'), [kexLine(64 * KIB), kexLine(MAX_LINE), kexLine(MAX_LINE), nestedLine(MAX_LINE), invalidUser('192.0.2.77')].map((l) => `${l}\n`).join(''));
    await sb.waitFor('the attack line counted', () => row('192.0.2.77'), STALL_MS);
    expect(Date.now() - t0).toBeLessThan(COUNT_MS);
    await sb.waitFor('the status', () => sb.statusOf('WatchLG')?.injected === 1 && sb.statusOf('WatchLG'));
    expect(sb.statusOf('WatchLG')).toMatchObject({ overlong: 1, untreated: 3, injected: 1 });
    expect(proc.exitCode).toBeNull();
  });
});

describe('crafted Exim lines through a running WatchMX and WatchMB', () => {
  let sb: MailSandbox;
  let mx: ResultPromise;
  beforeAll(async () => {
    sb = await makeMailSandbox('GEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60', { dns: false });
    appendFileSync(join(sb.inst.root, 'modules/WatchMX/WatchMX.conf'), 'RULES=rules-exim\n');
    expect((await sb.run('master/FillFW')).exitCode).toBe(0);
    expect((await sb.run('modules/WatchMX/Prep')).exitCode).toBe(0);
    mx = sb.start('modules/WatchMX/WatchMX');
    await sb.waitFor('both status files', () => sb.status('WatchMX') && sb.status('WatchMB'));
  });
  afterAll(async () => {
    for (const name of ['WatchMB', 'WatchMX'] as const) { const p = sb?.pid(name); if (p && isAlive(p)) process.kill(p, 'SIGKILL'); }
    if (mx && mx.exitCode === null) { mx.kill('SIGKILL'); await mx.catch(() => undefined); }
    await sb?.close();
  });

  it('WatchMB counts an authenticator failure passed on right after crafted lines within seconds', async () => {
    const t0 = Date.now();
    sb.feed([eximLine(64 * KIB), eximLine(MAX_LINE), eximLine(MAX_LINE), eximAuth('192.0.2.88')]);
    await sb.waitFor('the attack line counted', () => sb.row('192.0.2.88'), STALL_MS);
    expect(Date.now() - t0).toBeLessThan(COUNT_MS);
    expect(sb.row('192.0.2.88')).toMatchObject({ origin: 'WatchMB', rule: 'SASL-exim-failed' });
    // Each status file is rewritten every 250 ms: wait for the ones written after these lines.
    await sb.waitFor('the status files', () => sb.status('WatchMB')?.lines === 3 && sb.status('WatchMX')?.passedon === 3 && sb.status('WatchMX'));
    expect(sb.status('WatchMX')).toMatchObject({ overlong: 1, passedon: 3 });
    expect(sb.status('WatchMB')).toMatchObject({ untreated: 2, injected: 1 });
  });
});
