// An attacker who shapes text in sshd's log lines (a certificate's key ID, auth info, a PTR name)
// must never make WatchLG count someone else. A real OpenSSH server logs at VERBOSE through the
// private rsyslogd into a running WatchLG; the planted address never reaches a set or a row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKEHOST, TRUEHOST } from '../helpers/dns.js';
import { Netns, joinVeth } from '../helpers/netns.js';
import { startRsyslog, type PrivateRsyslog } from '../helpers/rsyslog.js';
import { sshCertLogin, startSshd, type SshServer } from '../helpers/sshd.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS } from '../helpers/backends.js';

const PLANTED = '10.1.1.1';

describe.each(BACKENDS)('a peer planted in client-shaped text of a real sshd line (%s)', (backend) => {
  let sb: Sandbox, rs: PrivateRsyslog, sshd: SshServer, keys: string, attacker: Netns;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=yes\nGEOTRACK=\nMAX_AFFAIRS=30\nTIME_SLICE=1', { backend });
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=5\n' });
    // One source address a case: a tarpit of one case cannot hide the next.
    attacker = await Netns.create();
    await joinVeth(sb.ns, attacker, '192.0.2.1', TRUEHOST.address, ['wpa0', 'wpt0']);
    await attacker.ok('ip', ['addr', 'add', `${FAKEHOST.address}/24`, 'dev', 'wpt0']);
    keys = mkdtempSync(join(tmpdir(), 'watcher-certs-'));
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'ca')]);
    rs = await startRsyslog({ fifoBase: sb.inst.fifoBase });
    sshd = await startSshd(sb.ns, {
      listen: ['192.0.2.1'], logSocket: rs.socket,
      config: { LogLevel: 'VERBOSE', PubkeyAuthentication: 'yes', PermitRootLogin: 'prohibit-password', TrustedUserCAKeys: join(keys, 'ca.pub') },
    });
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(async () => {
    await closeService(sb, sshd, rs);
    await attacker?.destroy();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  /** A client key with a certificate of the CA whose key ID is `id` (principal 'nobody': refused). */
  async function certKey(name: string, id: string): Promise<string> {
    const key = join(keys, name);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await execa('ssh-keygen', ['-q', '-s', join(keys, 'ca'), '-I', id, '-n', 'nobody', `${key}.pub`]);
    return key;
  }

  it.each([
    ['a key ID that copies the tail of the line', 'x from 10.1.1.1 port 55555 ssh2', 0],
    ['a key ID that ends the way sshd ends the line', 'x from 10.1.1.1 port 55555 ssh2: y', 1],
  ])('%s: the attacker is counted, 10.1.1.1 never', async (_what, id, i) => {
    const ATTACKER = [TRUEHOST.address, FAKEHOST.address][i];
    const key = await certKey(`k${i}`, id);
    const r = await sshCertLogin(attacker, '192.0.2.1', 'root', key, ATTACKER);
    expect(r.stderr).toContain('Permission denied (publickey');
    await sb.waitFor('the certificate failure in the trace', () => sb.trace().includes(`ID ${id} (serial 0)`), 20_000);
    await sb.waitFor('the attacker in tarpit or custody', async () => (await sb.members('tarpit')).has(ATTACKER) || (await sb.members('custody')).has(ATTACKER), 20_000);
    // sshd's line names the key ID: it was read, and its planted address counted nowhere.
    expect(sb.trace()).toMatch(new RegExp(`Failed publickey for root from ${ATTACKER.replaceAll('.', '\\.')} port [0-9]+ ssh2: ED25519-CERT SHA256:[^ ]+ ID ${id.replaceAll('.', '\\.')} \\(serial 0\\)`));
    expect(sb.row(PLANTED)).toBeUndefined();
    expect((await sb.members('tarpit')).has(PLANTED)).toBe(false);
    expect((await sb.members('custody')).has(PLANTED)).toBe(false);
    expect(sb.row(ATTACKER)).toBeDefined();
  }, 60_000);

  it('counts nothing of a line whose peer is ambiguous or a PTR name that starts like an address', async () => {
    const H = 'Nov  1 00:00:00 vmd28527';
    const lines = [
      `${H} sshd[9001]: Failed hostbased for test from 203.0.113.50 port 58946 ssh2: ED25519 SHA256:x, client user "u", client host "h from 203.0.113.51 port 55555 ssh2: z"`,
      `${H} sshd[9002]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.52-x.evil.example  user=root`,
      `${H} sshd[9003]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.53.evil.example  user=root`,
    ];
    // The counters as they stand once every line of the cases above is counted (the status file is rewritten each 250 ms).
    const mark = Date.now();
    const before = await sb.waitFor('a fresh status', () => { const st = sb.status() as { updated: string; lines: number; ambiguous: number; noaddress: number }; return Date.parse(st.updated) > mark + 600 && st; });
    sb.feed(lines);
    const after = await sb.waitFor('the lines read', () => { const st = sb.status() as typeof before; return st.lines >= before.lines + 3 && st; });
    expect(after.ambiguous - before.ambiguous).toBe(1);
    expect(after.noaddress - before.noaddress).toBe(2);
    for (const a of ['203.0.113.50', '203.0.113.51', '203.0.113.52', '203.0.113.53']) expect(sb.row(a), a).toBeUndefined();
    expect(sb.trace()).toContain('[inject] ambiguous peer (203.0.113.50, 203.0.113.51 each fit where the service writes it): nothing counted');
  });
});
