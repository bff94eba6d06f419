// WatchLG running for real: FIFO, rules, dnsmasq, SQLite, each firewall backend in a network namespace.
import { mkdirSync, openSync, readSync, closeSync, constants, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { TRUEHOST, FAKEHOST, NXDOMAIN } from '../../helpers/dns.js';
import { run } from '../../../master/lib/core/runner.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { BACKENDS } from '../../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';

describe.each(BACKENDS)('WatchLG (%s)', (backend) => {
  let sb: Sandbox;
  let proc: ResultPromise;
  let geoFd = -1;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=on\nGEOTRACK=yes\nMAX_AFFAIRS=5\nTIME_SLICE=60\nSESSION_WAIT=1', { backend });
    writeFileSync(join(sb.inst.root, 'whitelist'), '198.51.100.0/24 # the office\n');
    mkdirSync(sb.inst.fifoBase, { recursive: true });
    await run('mkfifo', ['-m', '0600', join(sb.inst.fifoBase, 'GeoTrack')]);
    geoFd = openSync(join(sb.inst.fifoBase, 'GeoTrack'), constants.O_RDONLY | constants.O_NONBLOCK);
    const prep = await sb.run('modules/WatchLG/Prep');
    expect(prep.exitCode, prep.stderr).toBe(0);
    proc = sb.start('modules/WatchLG/WatchLG');
    await sb.waitFor('the status file', () => sb.status());
  });
  afterAll(async () => {
    if (proc && proc.exitCode === null) { proc.kill('SIGKILL'); await proc; }
    if (geoFd >= 0) closeSync(geoFd);
    await sb?.close();
  });

  it('counts affairs by DNS class, tarpits 2^affairs*TIME_SLICE, drops at MAX_AFFAIRS', async () => {
    sb.feed([
      `${H} sshd[1]: Failed password for admin from ${TRUEHOST.address} port 2 ssh2`,
      `${H} sshd[2]: Invalid user test from ${NXDOMAIN.address} port 3`,
      `${H} sshd[3]: Failed password for invalid user x from ${FAKEHOST.address} port 4 ssh2`,
      `${H} CRON[4]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
      `${H} kernel: something untreated`,
      `${H} sshd[5]: Invalid user 1.2.3.4 from 198.51.100.7 port 22`,
      `${H} sshd[6]: Invalid user test from ${NXDOMAIN.address} port 3`,
    ]);
    await sb.waitFor('7 lines', () => (sb.status()?.lines as number) >= 7 && sb.row(NXDOMAIN.address)?.status === 'DROP');
    expect(sb.row(TRUEHOST.address)).toMatchObject({ class: 'TRUEHOST', host: TRUEHOST.name, affairs: 1, status: 'INITIAL', rule: 'failed-password', origin: 'WatchLG' });
    expect(sb.row(FAKEHOST.address)).toMatchObject({ class: 'FAKEHOST', affairs: 4, status: 'INITIAL' });
    expect(sb.row(NXDOMAIN.address)).toMatchObject({ class: 'NXDOMAIN', affairs: 5, status: 'DROP', rule: 'invalid-user' });
    expect(sb.row('1.2.3.4')).toBeUndefined();
    expect(sb.row('198.51.100.7')).toBeUndefined();
    const tarpit = await sb.waitFor('tarpit entries', async () => { const m = await sb.members('tarpit'); return m.size >= 2 ? m : false; });
    expect(tarpit.get(TRUEHOST.address)).toBeGreaterThan(100);
    expect(tarpit.get(TRUEHOST.address)).toBeLessThanOrEqual(120);
    expect(tarpit.get(FAKEHOST.address)).toBeGreaterThan(900);
    expect(tarpit.has(NXDOMAIN.address)).toBe(false);
    expect([...(await sb.members('custody')).keys()]).toEqual([NXDOMAIN.address]);
    // The status file is rewritten each 250 ms: the one written after the last affair.
    const st = await sb.waitFor('the status of every affair', () => { const x = sb.status()!; return x.dropped === 1 && x; });
    expect(st).toMatchObject({ module: 'WatchLG', lines: 7, skipped: 1, untreated: 1, injected: 4, tarpitted: 3, dropped: 1, spared: 1, passedon: 0 });
    expect(st.matched).toEqual({ 'failed-password': 2, 'invalid-user': 3 });
  });

  it('writes the seeds\' trace lines', async () => {
    const t = await sb.waitFor('Finished in the trace', () => (sb.trace().includes("Finished for rule ['invalid-user']") ? sb.trace() : false));
    expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} WatchLG\[\d+\]: \[Loop: 1\] 'Nov  1 00:00:00 vmd28527 sshd\[1\]: Failed password for admin from 192\.0\.2\.10 port 2 ssh2'$/m);
    expect(t).toMatch(/WatchLG\[\d+\]: « Loop rate: 0 d, 00:00:00\.\d{3} »/);
    expect(t).toContain("[inject] Triggered by rule ['failed-password'] ': Failed password for '");
    expect(t).toContain(`[inject] TRUEHOST ${TRUEHOST.address} 'Initial 1/5, tarpit 120 s'`);
    expect(t).toContain(`[inject] NXDOMAIN ${NXDOMAIN.address} 'DROP 5/5'`);
    expect(t).toMatch(/\[inject\] Finished for rule \['failed-password'\], \d+\/\d+ ms/);
    expect(t).toContain("[UNTREATED] 'Nov  1 00:00:00 vmd28527 kernel: something untreated'");
    expect(sb.log()).toMatch(new RegExp(`DROP ${NXDOMAIN.address.replace(/\./g, '\\.')} NXDOMAIN rule 'invalid-user' 5/5`));
  });

  it('hands new addresses to GeoTrack as `ADDR WatchLG`', () => {
    const buf = Buffer.alloc(4096);
    let got = '';
    try { got = buf.subarray(0, readSync(geoFd, buf)).toString(); } catch { /* nothing */ }
    expect(got.split('\n').filter(Boolean).sort()).toEqual([`${TRUEHOST.address} WatchLG`, `${FAKEHOST.address} WatchLG`, `${NXDOMAIN.address} WatchLG`].sort());
  });

  it('never stalls when GeoTrack does not read: its FIFO full, the scanner goes on', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`${H} sshd[7]: Invalid user u from 10.${(i >> 8) & 255}.${i & 255}.1 port 22`);
    const before = sb.status()!.lines as number;
    sb.feed(lines);
    await sb.waitFor('3000 more lines', () => (sb.status()!.lines as number) >= before + 3000 && (sb.status()!.injected as number) >= 3004, 20_000);
  });

  it('keeps the old rules when a reloaded rule file is broken, takes fixed ones (SIGHUP)', async () => {
    const bad = join(sb.inst.root, 'modules/WatchLG/rules/105-broken.rule');
    writeFileSync(bad, 'RULE=broken\nPattern=": x"\nif [[ "$REPLY" =~ "$Pattern" ]]; then inject; fi\n');
    proc.kill('SIGHUP');
    await sb.waitFor('refusal in the log', () => sb.log().includes('reload (HUP) refused, the old rules stay'));
    expect(sb.log()).toContain(`${bad}:3: the decision must end with 'return N'`);
    writeFileSync(bad, 'RULE=sample-noise\nPattern=": x-noise"\nif [[ "$REPLY" =~ "$Pattern" ]]; then return 0; fi\n#expect match sample-noise -\n#line sshd[1]: x-noise\n');
    writeFileSync(join(sb.inst.root, 'whitelist'), '198.51.100.0/24 # the office\n203.0.113.99 # added later\n');
    const r = await sb.run('bin/Refresh', ['lg']);
    expect(r.exitCode, r.stderr).toBe(0);
    await sb.waitFor('reloaded in the log', () => /reloaded \(HUP\): \d+ rules/.test(sb.log()));
    sb.feed([`${H} sshd[8]: x-noise`]);
    await sb.waitFor('the new rule matching', () => (sb.status()!.matched as Record<string, number>)['sample-noise'] === 1);
    const spared = sb.status()!.spared as number;
    sb.feed([`${H} sshd[8]: Invalid user x from 203.0.113.99 port 22`]);
    await sb.waitFor('the newly whitelisted address spared', () => sb.status()!.spared === spared + 1);
    expect(sb.row('203.0.113.99')).toBeUndefined();
    rmSync(bad);
  });

  it('recreates its FIFO when it is deleted', async () => {
    rmSync(sb.fifo);
    await sb.waitFor('the FIFO again', () => existsSync(sb.fifo), 5000);
    const before = sb.status()!.lines as number;
    sb.feed([`${H} sshd[9]: Failed password for root from 203.0.113.77 port 2 ssh2`]);
    await sb.waitFor('the line through the new FIFO', () => (sb.status()!.lines as number) === before + 1);
    expect(sb.log()).toContain(`${sb.fifo} was deleted: recreating it`);
    await sb.waitFor('the row', () => sb.row('203.0.113.77'));
    expect(sb.row('203.0.113.77')).toMatchObject({ affairs: 4, rule: 'root-login', class: 'NXDOMAIN' });
  });

  it('refuses a second instance with exit 75', async () => {
    const r = await sb.run('modules/WatchLG/WatchLG');
    expect(r.exitCode).toBe(75);
    expect(r.stderr).toMatch(/WatchLG: WatchLG already runs as pid \d+/);
  });

  it('ends cleanly on SIGTERM: exit 0, pid file gone, final status written', async () => {
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.exitCode, `${r.signal} ${r.stderr}`).toBe(0);
    expect(existsSync(join(sb.inst.runDir, 'WatchLG.pid'))).toBe(false);
    expect(sb.log()).toMatch(/stopped \(SIGTERM\): \d+ lines/);
  });

  it('refuses to start on a broken rules directory with file:line, exit 78', async () => {
    const bad = join(sb.inst.root, 'modules/WatchLG/rules/101-bad.rule');
    writeFileSync(bad, 'RULE=bad\nPattern=": Failed"\nif [[ \u201c$REPLY\u201d =~ \u201c$Pattern\u201d ]]; then inject; return $?; fi\n');
    const r = await sb.run('modules/WatchLG/WatchLG');
    rmSync(bad);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain(`${bad}:3: typographic quote`);
  });
});
