// One attempt, one affair, through a running WatchLG: the lines sshd and PAM write about one
// try count once, each try of a connection counts, and a session without a try counts one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { makeSandbox, runWatchLG, killWatchLG, type Sandbox } from './sandbox.js';

const H = 'Nov  1 00:00:00 vmd28527';
const pam = (pid: number, a: string) => `${H} sshd[${pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${a}  user=deploy`;

describe('WatchLG counts one attempt once', () => {
  let sb: Sandbox, proc: ResultPromise;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=on\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=30\nSESSION_WAIT=2');
    ({ proc } = await runWatchLG(sb));
  });
  afterAll(async () => {
    await killWatchLG(proc);
    await sb?.close();
  });

  it('counts an invalid user\'s failed password (four lines) once, six tries of one connection six times, a scanner once', async () => {
    const A = '203.0.113.71', B = '203.0.113.72', C = '203.0.113.73';
    sb.feed([
      `${H} sshd[101]: Invalid user oracle from ${A} port 40001`,
      `${H} sshd[101]: pam_unix(sshd:auth): check pass; user unknown`,
      pam(101, A),
      `${H} sshd[101]: Failed password for invalid user oracle from ${A} port 40001 ssh2`,
      `${H} sshd[101]: Connection closed by invalid user oracle ${A} port 40001 [preauth]`,
      ...Array.from({ length: 6 }, () => [pam(102, B), `${H} sshd[102]: Failed password for deploy from ${B} port 40002 ssh2`]).flat(),
      `${H} sshd[102]: error: maximum authentication attempts exceeded for deploy from ${B} port 40002 ssh2 [preauth]`,
      `${H} sshd[102]: Disconnecting authenticating user deploy ${B} port 40002: Too many authentication failures [preauth]`,
      `${H} sshd[103]: Invalid user admin from ${C} port 40003`,
      `${H} sshd[103]: Connection closed by invalid user admin ${C} port 40003 [preauth]`,
    ]);
    await sb.waitFor('every line', () => (sb.status()?.lines as number) >= 21);
    // Past SESSION_WAIT: a held line of a session with a counted try must still count nothing.
    await new Promise((r) => setTimeout(r, 3000));
    await sb.waitFor('nothing held', () => sb.status()?.held === 0);
    expect(sb.row(A)).toMatchObject({ affairs: 1, rule: 'failed-password' });
    expect(sb.row(B)).toMatchObject({ affairs: 6, rule: 'failed-password' });
    expect(sb.row(C)).toMatchObject({ affairs: 1, rule: 'invalid-user' });
    expect(sb.status()).toMatchObject({ injected: 8 });
  }, 30_000);

  it('counts an OpenSSH 9.8 listener\'s timeout and penalty of one address once, each PAM failure of another service, and dropbear\'s exit after its tries nothing', async () => {
    const E = '203.0.113.75', F = '203.0.113.76', G = '203.0.113.77';
    const pamDovecot = `${H} auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=bob rhost=${F}  user=bob`;
    const before = sb.status()?.lines as number;
    sb.feed([
      `${H} sshd[1122]: Timeout before authentication for connection from ${E} to 192.0.2.1, pid = 22045`,
      `${H} sshd[1122]: drop connection #0 from [${E}]:50100 on [192.0.2.1]:22 penalty: exceeded LoginGraceTime`,
      pamDovecot, pamDovecot, pamDovecot,
      `${H} dropbear[4105]: Login attempt for nonexistent user from ${G}:5555`,
      `${H} dropbear[4105]: Exit before auth from <${G}:5555>: Max auth tries reached - user 'oracle'`,
    ]);
    await sb.waitFor('every line', () => (sb.status()?.lines as number) >= before + 7);
    await sb.waitFor('nothing held', () => sb.status()?.held === 0);
    expect(sb.row(E)).toMatchObject({ affairs: 1, rule: 'login-grace-timeout' });
    expect(sb.row(F)).toMatchObject({ affairs: 3, rule: 'pam-service-failure' });
    expect(sb.row(G)).toMatchObject({ affairs: 1, rule: 'dropbear-no-user' });
  }, 30_000);

  it('counts the tries rsyslog folded into `message repeated N times: [ ... ]`, and nothing of a fold a client wrote inside a message', async () => {
    const R = '203.0.113.78', P = '203.0.113.79';
    const before = sb.status()?.lines as number;
    sb.feed([
      `${H} sshd[1201]: Failed password for deploy from ${R} port 40010 ssh2`,
      `${H} sshd[1201]: message repeated 4 times: [ Failed password for deploy from ${R} port 40010 ssh2]`,
      `${H} sshd[1202]: Invalid user message repeated 9 times: [ Failed password for deploy from ${P} port 1 ssh2] from 203.0.113.80 port 40011`,
    ]);
    await sb.waitFor('every line', () => (sb.status()?.lines as number) >= before + 3);
    await sb.waitFor('the tries counted', () => (sb.row(R)?.affairs as number) >= 5);
    expect(sb.row(R)).toMatchObject({ affairs: 5, rule: 'failed-password' });
    expect(sb.row(P)).toBeUndefined();
    expect(sb.trace()).toContain(`[inject] ${R}: the line reports 4 tries: 4 affairs`);
  }, 30_000);

  it('counts a session line with no try and no end once, after SESSION_WAIT', async () => {
    const D = '203.0.113.74';
    sb.feed([`${H} sshd[104]: Invalid user test from ${D} port 40004`]);
    await sb.waitFor('the line', () => sb.status()?.held === 1);
    expect(sb.row(D)).toBeUndefined();
    await sb.waitFor('the held affair counted', () => sb.row(D), 10_000);
    expect(sb.row(D)).toMatchObject({ affairs: 1, rule: 'invalid-user' });
  }, 30_000);
});
