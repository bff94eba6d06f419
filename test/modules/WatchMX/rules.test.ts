// WatchMX's rule sets (Postfix, Exim): samples replayed, address traps, the pass-on contract with WatchMB.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { makeInstallation } from '../../helpers/install.js';
import { replay, ruleTool, samplesOf, expectSamplesReplay } from './ruleset.js';

const SETS = ['rules', 'rules-exim'];
const MB_SETS = ['rules', 'rules-dovecot'];

describe('WatchMX rule sets', () => {
  for (const set of SETS) {
    it(`${set}: rules/Test gives every annotated sample its verdict, rule and address`, async () => {
      await expectSamplesReplay('WatchMX', set);
    });
    it(`${set}: check-all-rules passes`, async () => {
      const r = await ruleTool('WatchMX', 'check-all-rules', [set]);
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/all samples as annotated/);
    });
  }

  it('the address is the client Postfix reports, never one in a HELO, an e-mail address, a command or a SASL user name', async () => {
    const lines = [
      'Nov  1 00:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[203.0.113.1]: 554 5.7.1 <a@[9.9.9.1]>: Relay access denied; from=<x@[9.9.9.2]> to=<a@[9.9.9.1]> proto=ESMTP helo=<[9.9.9.3]>',
      'Nov  1 00:00:00 mx postfix/smtpd[2]: warning: non-SMTP command from unknown[203.0.113.2]: GET http://[9.9.9.4]/ from unknown[9.9.9.5]',
      'Nov  1 00:00:00 mx postfix/smtpd[3]: warning: unknown[203.0.113.3]: SASL PLAIN authentication failed: authentication failure, sasl_username=unknown[9.9.9.6]',
      'Nov  1 00:00:00 mx postfix/smtpd[4]: NOQUEUE: reject: EHLO from unknown[203.0.113.4]: 504 5.5.2 <connect from unknown[9.9.9.7]>: Helo command rejected: need fully-qualified hostname; proto=SMTP helo=<connect from unknown[9.9.9.7]>',
      'Nov  1 00:00:00 mx postfix/smtpd[5]: improper command pipelining after CONNECT from unknown[203.0.113.5]: EHLO [9.9.9.8]\\r\\nMAIL FROM:<a@[9.9.9.9]>\\r\\n',
    ];
    const got = await replay('WatchMX', 'rules', lines);
    expect(got.map((g) => g.address)).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5']);
  });

  it('the address is the client Exim reports, never one in the HELO, F=<...>, the RCPT or set_id', async () => {
    const lines = [
      'Nov  1 00:00:00 mx exim[1]: 2026-11-01 00:00:00 H=([9.9.9.1]) [203.0.113.11] F=<a@[9.9.9.2]> rejected RCPT <b@[9.9.9.3]>: relay not permitted',
      'Nov  1 00:00:00 mx exim[2]: 2026-11-01 00:00:00 dovecot_plain authenticator failed for (x H=[9.9.9.4]) [203.0.113.12]: 535 Incorrect authentication data (set_id=[9.9.9.5]: 535 )',
      'Nov  1 00:00:00 mx exim[3]: 2026-11-01 00:00:00 SMTP call from ([9.9.9.6]) [203.0.113.13] dropped: too many nonmail commands (last was "H=[9.9.9.7]")',
    ];
    const got = await replay('WatchMX', 'rules-exim', lines);
    expect(got.map((g) => g.address)).toEqual(['203.0.113.11', '203.0.113.12', '203.0.113.13']);
  });

  it('the RULES key selects the rule set rules/Test uses; an unknown set is refused', async () => {
    const exim = 'Nov  1 00:00:00 mx exim[1]: 2026-11-01 00:00:00 no IP address found for host x.example.net (during SMTP connection from [203.0.113.20])';
    expect((await replay('WatchMX', 'rules', [exim]))[0].verdict).toBe('untreated');
    expect((await replay('WatchMX', 'rules-exim', [exim]))[0]).toMatchObject({ verdict: 'match', rule: 'FakeHost', address: '203.0.113.20' });
    const r = await ruleTool('WatchMX', 'Test', ['--rules', 'rules-qmail'], exim);
    expect(r.exitCode).toBe(66);
    expect(r.stderr).toMatch(/rules-qmail: rules directory does not exist/);
    const inst = makeInstallation();
    try {
      inst.write('modules/WatchMX/WatchMX.conf', 'RULES=rules-exim\n');
      const t = await execa(join(inst.root, 'modules/WatchMX/rules/Test'), ['--json'], { input: exim, env: inst.env, cwd: tmpdir(), reject: false });
      expect(JSON.parse(t.stdout)).toMatchObject({ verdict: 'match', rule: 'FakeHost', address: '203.0.113.20' });
      const c = await execa(join(inst.root, 'modules/WatchMX/rules/check-all-rules'), [], { env: inst.env, cwd: tmpdir(), reject: false });
      expect(c.stdout).toMatch(new RegExp(`${join(inst.root, 'modules/WatchMX/rules-exim')}: [0-9]+ decisions in [0-9]+ files`));
    } finally { inst.remove(); }
  });

  it('every pass-on sample is counted by the default WatchMB rule set, with the same address; SASL ones by every set (every rule on)', async () => {
    for (const set of SETS) {
      const passed = samplesOf('WatchMX', set).filter((s) => s.verdict === 'match' && /SASL|Mailbox/.test(s.rule!));
      const mx = await replay('WatchMX', set, passed.map((s) => s.text), 'strict');
      expect(mx.every((v) => v.action === 'passon')).toBe(true);
      const mb = await Promise.all(MB_SETS.map((mbSet) => replay('WatchMB', mbSet, passed.map((s) => s.text), 'strict')));
      passed.forEach((s, i) => {
        const takers = mb.map((v) => v[i]).filter((v) => v.action === 'inject' && v.address === s.address);
        expect(mb[0][i], `${s.file}:${s.line} is not counted by WatchMB's default rules`).toMatchObject({ action: 'inject', address: s.address });
        if (s.rule!.startsWith('SASL')) expect(takers.length, `${s.file}:${s.line}`).toBe(MB_SETS.length);
      });
    }
  });
});
