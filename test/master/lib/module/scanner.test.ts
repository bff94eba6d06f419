// The scanner loop: passon to the companion's real FIFO, the loop rate format, no peer no affair.
import { closeSync, constants, mkdtempSync, openSync, readSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Scanner, formatLoopRate } from '../../../../master/lib/module/scanner.js';
import { FifoWriter } from '../../../../master/lib/module/fifo.js';
import { loadRuleSet } from '../../../../master/lib/rules/ruleset.js';
import { newCounters } from '../../../../master/lib/core/status.js';
import { run } from '../../../../master/lib/core/runner.js';
import type { Injector, InjectRequest } from '../../../../master/lib/module/inject.js';

describe('Scanner', () => {
  it('formats the loop rate as the 1.4 notes print it', () => {
    expect(formatLoopRate(54 * 60_000 + 4954 + 0)).toBe('0 d, 00:54:04.954');
    expect(formatLoopRate(26 * 3_600_000 + 1)).toBe('1 d, 02:00:00.001');
  });

  it('passes lines on to the companion FIFO, injects with the peer, and counts per rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules/300-MB-pass.rule'), "RULE=SASL-affair\nPattern=': warning: [^ []*\\[[^]]*\\]: SASL'\nif [[ \"$REPLY\" =~ $Pattern ]]; then passon; return 2; fi\n");
    writeFileSync(join(dir, 'rules/100-NXDOMAIN.rule'), "RULE=NXdomain\nPattern=': connect from unknown['\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n");
    writeFileSync(join(dir, 'rules/peer_map'), 'connect from unknown\\[ADDR\\]\n');
    const fifo = join(dir, 'WatchMB');
    await run('mkfifo', ['-m', '0600', fifo]);
    const rd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const submitted: InjectRequest[] = [];
    const injector = { submit: (r: InjectRequest) => submitted.push(r), flush: () => {}, queued: 0 } as unknown as Injector;
    const counters = newCounters();
    const trace: string[] = [];
    const writer = new FifoWriter(fifo);
    const s = new Scanner(loadRuleSet(join(dir, 'rules')), { injector, passon: { name: 'WatchMB', writer }, counters, trace: { on: true, write: (m) => trace.push(m) } });
    const sasl = 'Apr 30 11:27:07 vmd28527 postfix/smtpd[9044]: warning: x[93.42.155.2]: SASL LOGIN authentication failed: authentication failure';
    s.scan([sasl, 'Apr 30 11:27:07 h postfix/smtpd[1]: connect from unknown[203.0.113.9]', 'Apr 30 11:27:07 h postfix/smtpd[1]: connect from unknown[not-an-address]']);
    const buf = Buffer.alloc(1024);
    expect(buf.subarray(0, readSync(rd, buf)).toString()).toBe(`${sasl}\n`);
    expect(submitted.map((r) => [r.address, r.rule])).toEqual([['203.0.113.9', 'NXdomain']]);
    expect(counters).toMatchObject({ lines: 3, passedon: 1, noaddress: 1, unparsed: 0, matched: { 'SASL-affair': 1, NXdomain: 2 } });
    expect(trace.some((t) => /^\[passon\] Passed to WatchMB \.\.\. \d+\/\d+ ms$/.test(t))).toBe(true);
    closeSync(rd);
    writer.close();
    // A writer that cannot take the line drops it, counted, never waited for.
    s.scan([sasl]);
    expect(counters).toMatchObject({ passedon: 1, passonLost: 1 });
    expect(trace[trace.length - 1]).toBe('[passon] WatchMB cannot take it: line lost (counted as passonLost)');
    // A line whose syslog header does not parse is scanned whole, and counted.
    s.scan(['postfix/smtpd[1]: connect from unknown[203.0.113.10]', '<13>Nov  1 00:00:00 h postfix/smtpd[1]: connect from unknown[203.0.113.11]']);
    expect(counters.unparsed).toBe(1);
    expect(trace).toContain('[header] no syslog header: the whole line is taken as the message');
  });

  it('reads RFC 5424 and Solaris headers as the classic shape: patterns after the tag match, program[pid] names the session', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules/100-failed.rule'), "RULE=failed\nPattern=': Failed password for '\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n");
    writeFileSync(join(dir, 'rules/110-closed.rule'), "RULE=closed\nAffair=close\nPattern=': Connection closed by '\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n");
    writeFileSync(join(dir, 'rules/peer_map'), 'Failed password for .* from ADDR port [0-9]+ ssh2$\nConnection closed by ADDR port [0-9]+$\n');
    const submitted: InjectRequest[] = [];
    const injector = { submit: (r: InjectRequest) => submitted.push(r), flush: () => {}, queued: 0 } as unknown as Injector;
    const counters = newCounters();
    const s = new Scanner(loadRuleSet(join(dir, 'rules')), { injector, counters, trace: { on: false, write: () => {} } });
    s.scan([
      '<86>1 2026-12-02T18:43:45.669227+00:00 vm sshd 57915 - [timeQuality tzKnown="1"][x k="\\] Failed password for root from 10.9.9.9 port 1 ssh2"] Failed password for root from 192.0.2.7 port 22 ssh2',
      // The close of the same session (sshd[57915], 192.0.2.7) adds nothing; another pid's close counts.
      '2026-12-02T18:43:46.1+00:00 vm sshd[57915] Connection closed by 192.0.2.7 port 22',
      'Dec  2 18:43:47 vm sshd[57999]: [ID 800047 auth.info] Connection closed by 192.0.2.7 port 22',
    ]);
    expect(submitted.map((r) => [r.address, r.rule])).toEqual([['192.0.2.7', 'failed'], ['192.0.2.7', 'closed']]);
    expect(counters).toMatchObject({ lines: 3, unparsed: 0, included: 1, matched: { failed: 1, closed: 2 } });
  });
});
