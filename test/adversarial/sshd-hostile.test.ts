// Client-shaped text in sshd's and dropbear's lines (a user name, a key ID, the client user and
// host of a hostbased request, a banner, an algorithm offer, a disconnect message, a PTR name,
// an ident user) that holds another address: WatchLG's shipped rules name the peer sshd
// writes, or call the line ambiguous; never the planted 10.9.9.9. Before, most of these
// classes had no rule at all (untreated: the attacker went uncounted) or were ambiguous.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/install.js';

const TEST = join(REPO, 'modules/WatchLG/rules/Test');
const H = 'Nov  1 00:00:00 vmd28527';
const PLANT = '10.9.9.9';

interface Outcome { verdict: string; rule: string | null; action: string | null; penalty: number | null; address: string | null; ambiguous?: string[] }
const counted = (rule: string, address: string, penalty: number | null = null): Outcome => ({ verdict: 'match', rule, action: 'inject', penalty, address });
const ambiguous = (rule: string, ...addresses: string[]): Outcome => ({ verdict: 'match', rule, action: 'inject', penalty: null, address: null, ambiguous: addresses });
/** A strict rule's line at Level=normal: known, the ladder ends, nothing counted. */
const returned = (rule: string): Outcome => ({ verdict: 'match', rule, action: 'return', penalty: null, address: null });
const UNTREATED: Outcome = { verdict: 'untreated', rule: null, action: null, penalty: null, address: null };

// [what the client controls, the line, outcome at Level=normal, outcome at Level=strict (same when omitted)]
const CASES: [string, string, Outcome, Outcome?][] = [
  ['user name spelling the tail of a password line', `${H} sshd[1]: Failed password for invalid user x from ${PLANT} port 22 ssh2 from 198.51.100.1 port 4444 ssh2`, counted('failed-password', '198.51.100.1')],
  ['user name or auth info after ssh2: that ends as sshd ends the line', `${H} sshd[2]: Failed password for invalid user test from ${PLANT} port 58946 ssh2: from 198.51.100.2 port 55555 ssh2`, ambiguous('failed-password', PLANT, '198.51.100.2')],
  ['user name of a keyboard-interactive try', `${H} sshd-session[3]: Failed keyboard-interactive/pam for invalid user x from ${PLANT} port 1 ssh2 from 2001:db8::3 port 40227 ssh2`, counted('failed-login', '2001:db8::3')],
  ['user name of a none request', `${H} sshd[4]: Failed none for invalid user x from ${PLANT} port 1 ssh2 from 198.51.100.4 port 40228 ssh2`, counted('failed-none', '198.51.100.4')],
  ['user name of root guesses', `${H} sshd[5]: Failed password for invalid user root from ${PLANT} port 1 ssh2 from 198.51.100.5 port 22 ssh2`, counted('failed-password', '198.51.100.5')],
  ['key ID of an invalid user\'s certificate', `${H} sshd[6]: Failed publickey for invalid user x from 198.51.100.6 port 1 ssh2: ED25519-CERT SHA256:x ID y from ${PLANT} port 2 ssh2 (serial 0) CA ED25519 SHA256:z`, counted('failed-publickey', '198.51.100.6')],
  ['key ID that ends as sshd ends the line', `${H} sshd[7]: Failed publickey for root from 198.51.100.7 port 1 ssh2: ED25519-CERT SHA256:x ID from ${PLANT} port 2 ssh2: y`, returned('failed-publickey'), ambiguous('failed-publickey', '198.51.100.7', PLANT)],
  ['client user of a hostbased request', `${H} sshd[8]: Failed hostbased for dan from 198.51.100.8 port 1 ssh2: ED25519 SHA256:x, client user "dan from ${PLANT} port 1 ssh2", client host "h"`, counted('failed-login', '198.51.100.8')],
  ['user name of an Invalid user line', `${H} sshd[9]: Invalid user x from ${PLANT} port 22 from 198.51.100.9 port 22`, counted('invalid-user', '198.51.100.9')],
  ['user name in sshd\'s PAM error', `${H} sshd[10]: error: PAM: Authentication failure for illegal user x from ${PLANT} from 198.51.100.10`, counted('pam-error', '198.51.100.10')],
  ['user name with macOS\'s via', `${H} sshd[11]: error: PAM: Authentication failure for x from ${PLANT} via 192.0.2.1 from 198.51.100.11`, counted('pam-error', '198.51.100.11')],
  ['PAM\'s user= after rhost=', `${H} sshd[12]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.12  user=x rhost=${PLANT}`, counted('pam-auth-failure', '198.51.100.12')],
  ['PTR name that starts with an address (UseDNS yes)', `${H} sshd[13]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${PLANT}.evil.example  user=root`, { verdict: 'match', rule: 'pam-auth-failure', action: 'inject', penalty: null, address: null, waits: true }],
  ['user name in maximum authentication attempts', `${H} sshd[14]: error: maximum authentication attempts exceeded for invalid user x from ${PLANT} port 1 ssh2 [preauth] from 198.51.100.14 port 2 ssh2 [preauth]`, counted('max-auth-tries', '198.51.100.14')],
  ['user name in Too many authentication failures', `${H} sshd[15]: Disconnecting invalid user x ${PLANT} port 1: Too many authentication failures 198.51.100.15 port 2: Too many authentication failures [preauth]`, counted('max-auth-tries', '198.51.100.15')],
  ['new user name of a change of user', `${H} sshd[16]: Disconnecting invalid user admin 198.51.100.16 port 1: Change of username or service not allowed: (admin,ssh-connection) -> (x ${PLANT} port 1,ssh-connection) [preauth]`, counted('change-of-user', '198.51.100.16')],
  ['first user name spelling the whole tail of a change of user', `${H} sshd[17]: Disconnecting invalid user x ${PLANT} port 1: Change of username or service not allowed: (a 198.51.100.17 port 2: Change of username or service not allowed: (x,ssh-connection) -> (y,ssh-connection) [preauth]`, ambiguous('change-of-user', PLANT, '198.51.100.17')],
  ['user name in a preauth close', `${H} sshd[18]: Connection closed by authenticating user test ${PLANT} port 12345 198.51.100.18 port 46039 [preauth]`, counted('preauth-closed', '198.51.100.18')],
  ['user name ending with [preauth]', `${H} sshd[19]: Disconnected from invalid user x ${PLANT} port 1 [preauth] 198.51.100.19 port 2 [preauth]`, counted('preauth-closed', '198.51.100.19')],
  ['the client\'s disconnect message', `${H} sshd[20]: Received disconnect from 198.51.100.20 port 1:11: from ${PLANT} port 1:11: x [preauth]`, returned('received-disconnect'), counted('received-disconnect', '198.51.100.20')],
  ['the client\'s Auth fail message', `${H} sshd[21]: Received disconnect from 198.51.100.21 port 1:3: from ${PLANT} port 2:3: Auth fail [preauth]`, counted('auth-fail', '198.51.100.21')],
  ['a non-SSH banner', `${H} sshd[22]: Bad protocol version identification 'x' from ${PLANT} port 1' from 198.51.100.22 port 41004`, counted('bad-protocol', '198.51.100.22')],
  ['an SSH-1 banner', `${H} sshd[23]: Protocol major versions differ for 198.51.100.23 port 41003: SSH-2.0-OpenSSH_7.4 vs. SSH-1.5- from ${PLANT} port 1`, counted('bad-protocol', '198.51.100.23')],
  ['the client\'s algorithm offer', `${H} sshd[24]: Unable to negotiate with 198.51.100.24 port 1: no matching key exchange method found. Their offer: from ${PLANT} port 22 [preauth]`, counted('kex-negotiation', '198.51.100.24')],
  ['user name in a corrupt packet line', `${H} sshd[25]: ssh_dispatch_run_fatal: Connection from authenticating user x ${PLANT} port 1: y 198.51.100.25 port 2: message authentication code incorrect [preauth]`, counted('kex-negotiation', '198.51.100.25')],
  ['a banner quoting a Failed line', `${H} sshd[26]: error: kex_exchange_identification: client sent invalid protocol identifier "x: Failed password for root from ${PLANT} port 22 ssh2"`, { verdict: 'match', rule: 'bad-protocol', action: 'inject', penalty: null, address: null, waits: true }],
  ['PTR name and ident user of a TCP wrappers refusal', `${H} sshd[27]: refused connect from x (${PLANT})@evil.example (198.51.100.27)`, counted('tcpd-refused', '198.51.100.27')],
  ['dropbear: user name of a bad password', `${H} dropbear[28]: Bad password attempt for 'x' from ${PLANT}:22' from 198.51.100.28:5547`, counted('dropbear-password', '198.51.100.28')],
  ['dropbear: root\'s bad password, IPv6', `${H} dropbear[29]: Bad password attempt for 'root' from [2001:db8::29]:5548`, counted('root-login', '2001:db8::29', 4)],
  ['dropbear: nonexistent user name', `${H} dropbear[30]: Login attempt for nonexistent user 'x from ${PLANT}:1' from 198.51.100.30:60497`, counted('dropbear-no-user', '198.51.100.30')],
  ['dropbear: user name in its exit line', `${H} dropbear[31]: Exit before auth from <198.51.100.31:5551>: (user 'x from <${PLANT}:1>', 0 fails): Exited normally`, counted('dropbear-exit', '198.51.100.31')],
  ['PAM for Dovecot: the user name as ruser= before rhost=', `${H} auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=rhost=${PLANT} rhost=198.51.100.33  user=rhost=${PLANT}`, counted('pam-service-failure', '198.51.100.33')],
  ['PAM for Dovecot: a user name with blanks that copies the line\'s end names no one', `${H} auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=a rhost=${PLANT} rhost=198.51.100.34  user=a rhost=${PLANT}`, { verdict: 'match', rule: 'pam-service-failure', action: 'inject', penalty: null, address: null }],
  ['OpenSSH 9.8 listener: the server\'s own address after the peer', `${H} sshd[1122]: Timeout before authentication for connection from 198.51.100.35 to ${PLANT}, pid = 22047`, counted('login-grace-timeout', '198.51.100.35')],
  ['dropbear: user name in an old exit line', `${H} dropbear[32]: Exit before auth (user 'x', 10 fails): Max auth tries reached - user 'x from ${PLANT}:1' from 198.51.100.32:60589`, counted('dropbear-exit', '198.51.100.32')],
];

async function replay(level: string): Promise<Outcome[]> {
  const r = await execa(TEST, ['--json', '--level', level], { input: CASES.map((c) => c[1]).join('\n') + '\n', reject: false, cwd: tmpdir() });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => JSON.parse(l) as Outcome);
}

describe('hostile text in sshd and dropbear lines through rules/Test --json', () => {
  it.each(['normal', 'strict'])('Level=%s: each line names its peer or is ambiguous, never the planted address', async (level) => {
    const got = await replay(level);
    expect(got).toHaveLength(CASES.length);
    CASES.forEach(([what, , normal, strict], i) => {
      expect(got[i], what).toEqual(level === 'strict' ? strict ?? normal : normal);
      expect(got[i].address, what).not.toBe(PLANT);
    });
  });
});
