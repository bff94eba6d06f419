// End to end: a real OpenSSH server under attack. Its log lines go through the private rsyslogd
// into WatchLG, which tarpits the attacker on the 2^affairs x TIME_SLICE ladder and then puts
// it in custody: its next TCP connection gets no answer. A whitelisted client still logs in.
// sshd's records of the failed logins stay in the sandbox, never in the host's /var/log/btmp.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUEHOST } from '../helpers/dns.js';
import { Netns, joinVeth } from '../helpers/netns.js';
import { startRsyslog, type PrivateRsyslog } from '../helpers/rsyslog.js';
import { readLoginRecords, startSshd, sshLogin, type SshServer } from '../helpers/sshd.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS } from '../helpers/backends.js';

const SERVER_A = '192.0.2.1';
const ATTACKER = TRUEHOST.address; // its PTR name resolves back to it: the full affairs ladder applies
const SERVER_G = '10.78.0.1';
const GOOD = '10.78.0.3';
// Seconds: the rungs of the ladder (4, 8, 16, 32 s) lie further apart than the 2 s a reading may lag.
const TIME_SLICE = 2;
// A user name of this run only: the host's btmp is searched for it.
const USER = `wt${process.pid}`;
const HOST_BTMP = '/var/log/btmp';

describe.each(BACKENDS)('OpenSSH server protected by WatchLG (%s)', (backend) => {
  let sb: Sandbox, rs: PrivateRsyslog, sshd: SshServer;
  let attacker: Netns, good: Netns;
  // Failed logins per client address, as the clients saw them.
  const failed = new Map<string, number>();
  const fail = (address: string) => failed.set(address, (failed.get(address) ?? 0) + 1);
  beforeAll(async () => {
    sb = await makeSandbox(`TRACE=yes\nGEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=${TIME_SLICE}`, { backend });
    sb.inst.write('whitelist', `${GOOD}\n`);
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=5\n' });
    [attacker, good] = await Promise.all([Netns.create(), Netns.create()]);
    await joinVeth(sb.ns, attacker, SERVER_A, ATTACKER, ['wsa0', 'wat0']);
    await joinVeth(sb.ns, good, SERVER_G, GOOD, ['wsg0', 'wgd0']);
    rs = await startRsyslog({ fifoBase: sb.inst.fifoBase });
    sshd = await startSshd(sb.ns, { listen: [SERVER_A, SERVER_G], logSocket: rs.socket, user: USER });
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(async () => {
    await closeService(sb, sshd, rs);
    await Promise.all([attacker, good].map((n) => n?.destroy()));
  });

  it('tarpits the attacker for 2^affairs x TIME_SLICE, then drops it for good at MAX_AFFAIRS', async () => {
    // One failed login is one affair ("Failed password"), or two when sshd also logs the
    // client's "Connection closed by authenticating user ... [preauth]" before the tarpit
    // holds its packets: the ladder is checked against the affairs counted in the database.
    const seen: string[] = [];
    for (let k = 1; k <= 5 && sb.row(ATTACKER)?.status !== 'DROP'; k++) {
      await sb.waitFor('tarpit to expire', async () => !(await sb.members('tarpit')).has(ATTACKER), 40_000);
      const r = await sshLogin(attacker, SERVER_A, sshd.user, `wrong-${k}`);
      expect(r.stderr).toContain('Permission denied (password)');
      fail(ATTACKER);
      await sb.waitFor(`affair ${k}`, async () => (await sb.members('tarpit')).has(ATTACKER) || (await sb.members('custody')).has(ATTACKER));
      // Read the row, the set and the row again until no further line came in between.
      const { affairs, status, t } = await sb.waitFor('a settled affair', async () => {
        const a = sb.row(ATTACKER) as { affairs: number; status: string };
        const t = (await sb.members('tarpit')).get(ATTACKER);
        const b = sb.row(ATTACKER) as { affairs: number; status: string };
        return a.affairs === b.affairs && { affairs: a.affairs, status: a.status, t };
      });
      if (status === 'DROP') break;
      expect(t, `tarpit entry after ${affairs} affairs`).toBeDefined();
      expect(t).toBeLessThanOrEqual(2 ** affairs * TIME_SLICE);
      expect(t).toBeGreaterThan(2 ** affairs * TIME_SLICE - 2);
      seen.push(`${affairs}:${t}s`);
    }
    expect(sb.row(ATTACKER)).toMatchObject({ affairs: 5, status: 'DROP' });
    await sb.waitFor('custody', async () => (await sb.members('custody')).has(ATTACKER));
    const next = await sshLogin(attacker, SERVER_A, sshd.user, sshd.password);
    expect(next.exitCode).not.toBe(0);
    expect(next.stderr).toMatch(/Connection timed out|timed out/);
    console.log(`tarpit (affairs:seconds left) seen: ${seen.join(', ')}; then custody`);
  }, 180_000);

  it('lets the whitelisted client in even after more failed logins than MAX_AFFAIRS', async () => {
    for (let k = 1; k <= 6; k++) {
      expect((await sshLogin(good, SERVER_G, sshd.user, `nope-${k}`)).stderr).toContain('Permission denied');
      fail(GOOD);
    }
    await sb.waitFor('the spared lines', () => /10\.78\.0\.3 is whitelisted/.test(sb.trace()), 10_000);
    const r = await sshLogin(good, SERVER_G, sshd.user, sshd.password, 'echo in');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('in');
    expect((await sb.members('tarpit')).has(GOOD)).toBe(false);
    expect((await sb.members('custody')).has(GOOD)).toBe(false);
  }, 60_000);

  it("keeps sshd's records of failed logins in the sandbox: the host's /var/log/btmp has none of them", () => {
    const own = readLoginRecords(join(sshd.records, 'btmp')).filter((r) => r.user === USER);
    const perHost = new Map<string, number>();
    for (const r of own) perHost.set(r.host, (perHost.get(r.host) ?? 0) + 1);
    expect(perHost).toEqual(failed);
    const host = existsSync(HOST_BTMP) ? readLoginRecords(HOST_BTMP) : [];
    expect(host.filter((r) => r.user === USER)).toEqual([]);
  });
});
