// Header forms a module FIFO can receive, and address forms in them. A real rsyslogd writes a
// service's lines in RFC 5424 (with structured data that quotes another attack line), in ISO
// and traditional file formats and in Watcher's own FIFO template; with the RFC 5424 message a
// legacy template writes the tag with its pid and no ':'. Every one is counted by a pattern
// written after the tag (`': Failed password for '`), for the service's peer, never for the
// address in the structured data. Before, the RFC 5424 and pid-without-':' lines, Solaris's
// `[ID n facility.level]`, TAI64N and host-less lines were untreated, a zone or leading zeros
// hid the peer, and rules/Test left a bare message untreated.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoLogger, type DemoLogger } from '../../bin/demo/rsyslog.js';
import { renderRsyslogConf } from '../../master/lib/service/syslog.js';
import { requireTools } from '../helpers/netns.js';
import { ruleTool } from '../modules/WatchMX/ruleset.js';

/** A rule set of its own, so the test does not follow the shipped sets' changes. */
function makeRules(dir: string): void {
  mkdirSync(dir);
  writeFileSync(join(dir, '100-failed.rule'), "RULE=failed\nPattern=': Failed password for '\nif [[ \"$REPLY\" =~ \"$Pattern\" ]]; then inject; return $?; fi\n");
  writeFileSync(join(dir, '110-pam.rule'), "RULE=pam\nPattern='sshd\\[[0-9]+\\]: pam_unix\\(sshd:auth\\): authentication failure;'\nif [[ \"$REPLY\" =~ $Pattern ]]; then inject; return $?; fi\n");
  writeFileSync(join(dir, '120-dropbear.rule'), "RULE=dropbear\nPattern=': (Bad password attempt for|Exit before auth from <)'\nif [[ \"$REPLY\" =~ $Pattern ]]; then inject; return $?; fi\n");
  writeFileSync(join(dir, 'peer_map'), [
    'Failed password for .* from ADDR port [0-9]+( ssh2)?$',
    'pam_unix\\(sshd:auth\\): authentication failure; logname=[^ ]* uid=[0-9]+ euid=[0-9]+ tty=[^ ]* ruser=[^ ]* rhost=ADDR( +user=.*)?$',
    'Bad password attempt for .* from ADDR:[0-9]+$',
    'Exit before auth from <ADDR:[0-9]+>: ',
    '',
  ].join('\n'));
}

/** rules/Test --json of WatchLG over lines with the test's rule set: `verdict rule address` each. */
async function replay(rules: string, lines: string[], args: string[] = []): Promise<string[]> {
  const r = await ruleTool('WatchLG', 'Test', ['--json', '--rules', rules, ...args], lines.join('\n') + '\n');
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => { const o = JSON.parse(l); return `${o.verdict} ${o.rule} ${o.address}`; });
}

describe('header forms through a real rsyslogd', () => {
  let dir: string, logger: DemoLogger, rules: string;
  const FORMATS = ['RSYSLOG_SyslogProtocol23Format', 'RSYSLOG_FileFormat', 'RSYSLOG_TraditionalFileFormat', 'WatcherFifoLine'];
  beforeAll(async () => {
    requireTools(['rsyslogd', 'logger']);
    dir = mkdtempSync(join(tmpdir(), 'watcher-forms-'));
    rules = join(dir, 'rules');
    makeRules(rules);
    const inc = join(dir, 'inc');
    mkdirSync(inc);
    // Watcher's own FIFO template, written to files; a second socket takes RFC 5424 messages whole.
    const watcher = renderRsyslogConf({ fifoBase: join(dir, 'pipes'), feeds: [] });
    writeFileSync(join(inc, 'forms.conf'), [
      watcher,
      `input(type="imuxsock" Socket="${dir}/5424.sock" CreatePath="on" RateLimit.Interval="0" UseSpecialParser="off")`,
      ...FORMATS.map((t) => `authpriv.* action(type="omfile" file="${dir}/${t}.log" template="${t}")`),
      '',
    ].join('\n'));
    logger = await startDemoLogger(dir, inc);
  }, 30_000);
  afterAll(async () => {
    await logger?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts the service\'s peer in every format, never the address in the structured data', async () => {
    const send = (socket: string, args: string[], msg: string) => execa('logger', ['--socket', socket, '--socket-errors=on', '-p', 'authpriv.info', '-t', 'sshd', ...args, msg]);
    await send(`${dir}/5424.sock`, ['--id=57915', '--rfc5424', '--sd-id', 'x@1', '--sd-param', 'k="\\] Failed password for root from 10.9.9.9 port 1 ssh2"'], 'Failed password for root from 192.0.2.7 port 22 ssh2');
    await send(`${dir}/5424.sock`, ['--id=57916', '--rfc5424'], 'Failed password for root from 192.0.2.8 port 22 ssh2');
    await send(logger.socket, ['--id=57917'], 'Failed password for root from 192.0.2.9 port 22 ssh2');
    const deadline = Date.now() + 20_000;
    const read = (t: string): string[] => { try { return readFileSync(join(dir, `${t}.log`), 'utf8').split('\n').filter(Boolean); } catch { return []; } };
    while (FORMATS.some((t) => read(t).length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lines = FORMATS.flatMap(read);
    expect(lines.length, `${lines.join('\n')}\n${logger.output()}`).toBe(12);
    // The shapes this rsyslogd wrote: RFC 5424 with escaped structured data, and a pid tag without ':'.
    expect(lines[0]).toMatch(/^<86>1 \S+ \S+ sshd 57915 - \[timeQuality [^\]]*\]\[x@1 k="\\\] Failed password for root from 10\.9\.9\.9 port 1 ssh2"\] Failed password for root from 192\.0\.2\.7 port 22 ssh2$/);
    expect(lines[3]).toMatch(/^\S+ \S+ sshd\[57915\] Failed password/);
    expect(lines[8]).toMatch(/^[A-Z][a-z]{2} [ 0-9]\d \S+ \S+ sshd\[57917\]: Failed password/);
    expect(await replay(rules, lines)).toEqual([0, 1, 2, 3].flatMap(() => ['match failed 192.0.2.7', 'match failed 192.0.2.8', 'match failed 192.0.2.9']));
  });
});

describe('header and address forms in rules/Test', () => {
  let dir: string, rules: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'watcher-forms-'));
    rules = join(dir, 'rules');
    makeRules(rules);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes every header form, a journal export without a stamp and a bare message', async () => {
    const lines = [
      'Mar 29 05:59:23 dusky sshd[20878]: [ID 800047 auth.info] Failed password for root from 192.0.2.1 port 22 ssh2',
      '<38>1 2019-07-08T17:40:16.954167-04:00 h.example.com sshd 57915 - [sd "with ] escaped"] Failed password for x from 192.0.2.2 port 22 ssh2',
      '@4000000063b1c9d80a1b2c3d sshd[7]: Failed password for root from 192.0.2.3 port 22 ssh2',
      'Feb 11 15:23:17 dropbear[1252]: Bad password attempt for \'root\' from 192.0.2.4:5543',
      '2024-06-01T10:00:00.5+0200 host sshd-session[1]: Failed password for root from 192.0.2.5 port 22 ssh2',
      'Nov 01 00:00:00.123456 host sshd[1]: Failed password for root from 192.0.2.6 port 22 ssh2',
      'srv sshd[13709]: Failed password for root from 192.0.2.10 port 22 ssh2',
      'Failed password for root from 192.0.2.11 port 22 ssh2',
      'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.12  user=root',
    ];
    expect(await replay(rules, lines)).toEqual([
      'match failed 192.0.2.1', 'match failed 192.0.2.2', 'match failed 192.0.2.3', 'match dropbear 192.0.2.4', 'match failed 192.0.2.5',
      'match failed 192.0.2.6', 'match failed 192.0.2.10', 'match failed 192.0.2.11', 'untreated null null',
    ]);
    // --tag names the program of a bare message, for patterns that spell it.
    expect((await replay(rules, lines.slice(7), ['--tag', 'sshd[1]']))).toEqual(['match failed 192.0.2.11', 'match pam 192.0.2.12']);
    const bad = await ruleTool('WatchLG', 'Test', ['--rules', rules, '--tag', 'sshd: x'], '');
    expect([bad.exitCode, bad.stderr.trim()]).toEqual([64, 'Test: --tag "sshd: x": not a syslog tag (program or program[pid], no blank or \':\')']);
  });

  it('finds the peer in every address form', async () => {
    const H = 'Nov  1 00:00:00 h ';
    expect(await replay(rules, [
      `${H}sshd[1]: Failed password for root from fe80::1%eth0 port 22 ssh2`,
      `${H}sshd[1]: Failed password for root from ::ffff:192.0.2.20 port 22 ssh2`,
      `${H}sshd[1]: Failed password for root from 010.001.002.003 port 22 ssh2`,
      `${H}dropbear[1]: Exit before auth from <192.0.2.21:22>: (user 'root', 10 fails): Max auth tries reached`,
      `${H}dropbear[1]: Exit before auth from <2001:db8::21:22>: x`,
      `${H}dropbear[1]: Bad password attempt for 'root' from ::ffff:192.0.2.22:60495`,
    ])).toEqual(['match failed fe80::1', 'match failed 192.0.2.20', 'match failed 10.1.2.3', 'match dropbear 192.0.2.21', 'match dropbear 2001:db8::21', 'match dropbear 192.0.2.22']);
  });
});
