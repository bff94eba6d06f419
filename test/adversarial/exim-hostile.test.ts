// A client shapes much of what Exim logs about it: the HELO, the envelope (F=<...>, RCPT), the
// commands Exim quotes, an AUTH set_id, the ident answer (U=), a reverse name. Planted copies
// of Exim's own host field, with 10.9.9.9, must never make WatchMX (rules-exim) or WatchMB
// count 10.9.9.9: the line names the real client, or it is ambiguous and counts nobody.
// Real Exim 4.96 lines (a daemon fed by a hostile client) are marked so. "ambiguous" lists the
// addresses that fit in the order they stand in the line.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/install.js';

type Row = [what: string, line: string, expected: Record<string, unknown>];

const H = 'Nov  1 00:00:00 mx exim[4242]: 2026-11-01 00:00:00 ';
const match = (rule: string, address: string | null, action = 'inject'): Record<string, unknown> => ({ verdict: 'match', rule, action, penalty: null, address });
const ambiguous = (rule: string, addresses: string[]): Record<string, unknown> => ({ ...match(rule, null), ambiguous: addresses });
const UNTREATED = { verdict: 'untreated', rule: null, action: null, penalty: null, address: null };

/** One JSON result per line of `rules/Test --json` of a module. */
async function replayJson(module: string, args: string[], lines: string[]): Promise<unknown[]> {
  const r = await execa(join(REPO, 'modules', module, 'rules/Test'), ['--json', ...args], { input: lines.join('\n') + '\n', reject: false, cwd: tmpdir() });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => JSON.parse(l) as unknown);
}

// WatchMX, rules-exim, LEVEL=normal.
const MX: Row[] = [
  ['a sender that copies the host and the reject (real)', `${H}[411] H=(h) [192.0.2.7]:49604 I=[10.0.0.1]:25 F=<"x H=(y) [10.9.9.9] rejected RCPT"@example.com> rejected RCPT <x@example.org>: Sender verify failed`, match('rejected', '192.0.2.7')],
  ['the same sender in the sender verification line (real)', `${H}H=(h) [192.0.2.7]:49604 I=[10.0.0.1]:25 sender verify fail for <"x H=(y) [10.9.9.9] rejected RCPT"@example.com>: Unrouteable address`, match('rejected', '192.0.2.7')],
  ['an address literal as HELO, sender and recipient', `${H}H=([10.9.9.9]) [192.0.2.30] F=<a@[10.9.9.9]> rejected RCPT <b@[10.9.9.9]>: relay not permitted`, match('rejected', '192.0.2.30')],
  ['an IPv6 client with an IPv4 HELO literal', `${H}H=([10.9.9.9]) [2001:db8::30]:4000 I=[2001:db8::25]:25 F=<a@b> rejected RCPT <c@d>: relay not permitted`, match('rejected', '2001:db8::30')],
  ['a blocklist text of another address in the sender', `${H}H=(h) [192.0.2.31] F=<"H=[10.9.9.9] rejected RCPT <x>: 10.9.9.9 is listed at y"@example.net> rejected RCPT <a@example.com>: 192.0.2.31 is listed at zen.spamhaus.org`, match('External-block', '192.0.2.31')],
  ['a sender that spells "temporarily" does not switch the reject off', `${H}H=(h) [192.0.2.32] F=<"x> temporarily rejected RCPT <y"@example.com> rejected RCPT <z@example.org>: relay not permitted`, match('rejected', '192.0.2.32')],
  ['greylisting counts nobody', `${H}H=(h) [192.0.2.33]:60352 I=[10.0.0.1]:25 F=<a@example.com> temporarily rejected RCPT <b@example.com>: greylisted`, UNTREATED],
  ['a sender that spells a reject in a greylisted line counts itself, never the copy', `${H}H=(h) [192.0.2.34] F=<"a> rejected RCPT <H=[10.9.9.9]"@example.com> temporarily rejected RCPT <b@example.com>: greylisted`, match('rejected', '192.0.2.34')],
  ['a delivery failure whose sender copies a reject', `${H}1tXyzA-000abc-AC ** x@example.com F=<H=(x) [10.9.9.9] rejected RCPT@x> R=dnslookup: Unrouteable address`, UNTREATED],
  ['a sender that looks like noise is not skipped', `${H}H=(h) [192.0.2.35] F=<"x SMTP connection from [10.9.9.9] closed by QUIT"@example.net> rejected RCPT <a@example.org>: relay not permitted`, match('rejected', '192.0.2.35')],
  ['the AUTH command copies the host field (real)', `${H}SMTP protocol error in "AUTH LOGIN" H=(x) [10.9.9.9]:25 y" H=(ylmf-pc) [192.0.2.36]:49580 I=[10.0.0.1]:25 AUTH command used when not advertised`, match('scanner', '192.0.2.36')],
  ['the AUTH command ends with a copy of the host field', `${H}SMTP protocol error in "aUtH lOgIn" H=(test) [10.9.9.9]" H=(roxzgj) [192.0.2.37] AUTH command used when not advertised`, match('scanner', '192.0.2.37')],
  ['an ident answer that copies the host field', `${H}SMTP protocol error in "AUTH LOGIN" H=(h) [192.0.2.38]:4000 I=[10.0.0.1]:25 U=x" H=[10.9.9.9] AUTH command used when not advertised`, ambiguous('scanner', ['192.0.2.38', '10.9.9.9'])],
  ['a malformed address that Exim quotes twice (real)', `${H}[689] SMTP syntax error in "MAIL FROM:<a>" H=[10.9.9.9] z" H=(h) [192.0.2.39]:58402 I=[10.0.0.1]:25 malformed address: " H=[10.9.9.9] z may not follow <a>`, ambiguous('non-SMTP', ['10.9.9.9', '192.0.2.39'])],
  ['an unknown command that copies the host field (real)', `${H}[688] SMTP syntax error in "RSET" H=[10.9.9.9] next input="" H=(h) [192.0.2.40]:58388 I=[10.0.0.1]:25 unrecognized command`, ambiguous('non-SMTP', ['10.9.9.9', '192.0.2.40'])],
  ['a pipelined command that copies the host field', `${H}SMTP protocol synchronization error (next input sent too soon: pipelining was not advertised): rejected "RSET" H=[10.9.9.9] next input="x" H=(h) [192.0.2.41]:56554 I=[10.0.0.1]:25 next input="QUIT\\r\\n"`, ambiguous('scanner', ['10.9.9.9', '192.0.2.41'])],
  ['a next input that copies the host field', `${H}SMTP protocol synchronization error (next input sent too soon: pipelining was not advertised): rejected "RSET" H=(h) [192.0.2.42]:56555 I=[10.0.0.1]:25 next input="x" H=[10.9.9.9] next input=""`, ambiguous('scanner', ['192.0.2.42', '10.9.9.9'])],
  ['input before the greeting that copies the host field', `${H}SMTP protocol synchronization error (input sent without waiting for greeting): rejected connection from H=[192.0.2.43]:25936 I=[10.0.0.1]:25 input="x H=[10.9.9.9] input=\\r\\n"`, match('scanner', '192.0.2.43')],
  ['the last command of a dropped session', `${H}SMTP call from ([10.9.9.9]) [192.0.2.44] dropped: too many syntax or protocol errors (last command was "H=[10.9.9.9]", C=EHLO,MAIL,RCPT)`, match('scanner', '192.0.2.44')],
  ['the last non-mail command of a dropped session', `${H}SMTP call from (c) [2001:db8::45]:56592 I=[2001:db8::25]:25 dropped: too many nonmail commands (last was "[10.9.9.9]")`, match('non-SMTP', '2001:db8::45')],
  ['a reverse name that starts like an address', `${H}no IP address found for host 10.9.9.9.example.net (during SMTP connection from [192.0.2.46])`, match('FakeHost', '192.0.2.46')],
  ['a reverse name that copies the end of the line', `${H}no IP address found for host x (during SMTP connection from [192.0.2.47]) [10.9.9.9])`, match('FakeHost', null)],
  ['a HELO literal in a TLS error', `${H}TLS error on connection from ([10.9.9.9]) [192.0.2.48]:4000 I=[10.0.0.1]:465 (gnutls_handshake): An unexpected TLS packet was received.`, match('TLS-frauds', '192.0.2.48')],
  ['a HELO that fails verification', `${H}rejected "EHLO [10.9.9.9]" from ([10.9.9.9]) [192.0.2.49]:40000 I=[10.0.0.1]:25`, match('rejected', '192.0.2.49')],
  ['a sender that copies the host for local_scan', `${H}1UlasQ-0003fr-46 F=<"a H=[10.9.9.9] P=esmtp rejected by local_scan(): x"@example.com> H=(h) [192.0.2.50]:43674 I=[10.0.0.1]:25 P=esmtp rejected by local_scan(): Rejected`, match('spam', '192.0.2.50')],
  ['a sender that copies host and ident for local_scan', `${H}1UlasQ-0003fr-47 F=<"a H=[10.9.9.9] U=x"@example.com> H=(h) [192.0.2.51]:43673 I=[10.0.0.1]:25 P=esmtp rejected by local_scan(): Rejected`, ambiguous('spam', ['10.9.9.9', '192.0.2.51'])],
  ['a Message-Id and a sender that copy SA-Exim\'s host', `${H}1VxHWD-000NuW-84 SA: Action: silently tossed message: score=35.8 required=5.0 trigger=30.0 (scanned in 6/6 secs | Message-Id: x (host=a [10.9.9.9]) for y). From <"b (host=c [10.9.9.9]) for d"@example.com> (host=NULL [192.0.2.52]) for me@example.com`, match('spam', '192.0.2.52')],
  ['an authenticator failure passes on with the client, not the HELO or set_id', `${H}[821] plain_server authenticator failed for ([10.9.9.9]) [2001:db8::53]:45728 I=[2001:db8::25]:587: 535 Incorrect authentication data (set_id=info@[10.9.9.9])`, match('SASL-exim', '2001:db8::53', 'passon')],
  ['a closing line of a session that tried AUTH is WatchMB\'s', `${H}no MAIL in SMTP connection from ([10.9.9.9]) [192.0.2.54]:48038 I=[10.0.0.1]:587 D=1s C=EHLO,AUTH,QUIT`, match('no-mail-auth', null, 'return')],
];

// WatchMX, rules-exim, LEVEL=strict: the lines harmless clients write too.
const MX_STRICT: Row[] = [
  ['an EHLO argument that copies the host field', `${H}rejected EHLO from [192.0.2.60]:60396 I=[10.0.0.1]:25: syntactically invalid argument(s): x H=[10.9.9.9] y`, match('bad-HELO', '192.0.2.60')],
  ['an SNI that spells the AUTH of a command list', `${H}no MAIL in SMTP connection from (h) [192.0.2.61]:58388 I=[10.0.0.1]:25 D=1s X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no SNI=x.C=AUTH C=EHLO,STARTTLS,EHLO,QUIT`, match('no-mail', '192.0.2.61')],
  ['a sender of a lost session', `${H}unexpected disconnection while reading SMTP command from ([10.9.9.9]) [192.0.2.62]:58424 I=[10.0.0.1]:25 D=0s`, match('lost', '192.0.2.62')],
  ['no reverse name', `${H}no host name found for IP address 2001:db8::63`, match('NXdomain', '2001:db8::63')],
];

// WatchMB (default rules): the authenticator lines WatchMX passes on.
const MB: Row[] = [
  ['a HELO literal and a set_id address', `${H}[821] plain_server authenticator failed for ([10.9.9.9]) [2001:db8::53]:45728 I=[2001:db8::25]:587: 535 Incorrect authentication data (set_id=info@[10.9.9.9])`, match('SASL-exim-failed', '2001:db8::53')],
  ['a HELO that copies the host field and a set_id that copies the answer', `${H}login_server authenticator failed for scan.example.net (x [10.9.9.9]) [192.0.2.70]: 535 Incorrect authentication data (set_id=a) [10.9.9.9]: 535 )`, match('SASL-exim-failed', '192.0.2.70')],
  ['an ident answer that copies the host field', `${H}plain_server authenticator failed for (h) [192.0.2.71]:4000 I=[10.0.0.1]:587 U=x [10.9.9.9]: 535 Incorrect authentication data (set_id=u)`, match('SASL-exim-failed', '192.0.2.71')],
  ['an AUTH cancelled is about the session', `${H}login_server authenticator failed for ([10.9.9.9]) [192.0.2.72]:48056 I=[10.0.0.1]:587: 501 Authentication cancelled`, match('SASL-exim-aborted', '192.0.2.72')],
  ['the server\'s own trouble with a set_id that spells a failure counts nobody', `${H}dovecot_plain authenticator failed for (x) [192.0.2.73]:45745 I=[10.0.0.1]:587: 435 Unable to authenticate at present (set_id=a): 535 Incorrect authentication data`, UNTREATED],
  ['a sender that spells an authenticator failure', `${H}H=(x) [192.0.2.74] F=<a x authenticator failed for [10.9.9.9]: 535 @b> rejected RCPT <c@d>`, UNTREATED],
];

describe('hostile Exim lines: the real client or nobody, never the planted 10.9.9.9', () => {
  it.each([
    ['WatchMX rules-exim, normal', 'WatchMX', ['--rules', 'rules-exim', '--level', 'normal'], MX],
    ['WatchMX rules-exim, strict', 'WatchMX', ['--rules', 'rules-exim', '--level', 'strict'], MX_STRICT],
    ['WatchMB rules', 'WatchMB', ['--rules', 'rules', '--level', 'normal'], MB],
  ] as [string, string, string[], Row[]][])('%s', async (_set, module, args, rows) => {
    const got = await replayJson(module, args, rows.map((r) => r[1]));
    rows.forEach(([what], i) => expect(got[i], what).toEqual(rows[i][2]));
    expect(got).toHaveLength(rows.length);
  });
});
