// A session's peer carried to its lines that name none (rules/carry.ts): the shared memory's
// bounds, and rules/Test's replay of a file in order (the same carrier the module's scanner uses).
import { Readable, PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../helpers/install.js';
import { SessionPeers, MAX_PEERS, MAX_WAITING, PER_SESSION } from '../../../../master/lib/rules/carry.js';
import { loadRuleSet } from '../../../../master/lib/rules/ruleset.js';
import { replayLines } from '../../../../master/lib/rules/tools.js';
import { parseRuleFile } from '../../../../master/lib/rules/parse.js';

const H = 'Nov  1 00:00:00 vmd28527';

// rules/Test --json over lines at a level: one outcome each.
async function replay(lines: string[], level: 'normal' | 'strict' = 'normal'): Promise<Record<string, unknown>[]> {
  const set = loadRuleSet(join(REPO, 'modules/WatchLG/rules'), level);
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => { text += b.toString(); });
  await replayLines(set, Readable.from([Buffer.from(lines.map((l) => `${l}\n`).join(''))]), out, true);
  return text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('SessionPeers', () => {
  it('remembers at most MAX_PEERS sessions, each for its time, and forgets a session on demand', () => {
    let now = 0;
    const p = new SessionPeers<number>(1000, 5000, () => now);
    for (let i = 0; i < 3 * MAX_PEERS; i++) p.remember(`sshd[${i}]`, '192.0.2.1');
    expect(p.peerOf('sshd[0]')).toBeUndefined();
    expect(p.peerOf(`sshd[${3 * MAX_PEERS - 1}]`)).toBe('192.0.2.1');
    const kept = Array.from({ length: 3 * MAX_PEERS }, (_, i) => p.peerOf(`sshd[${i}]`)).filter(Boolean).length;
    expect(kept).toBeLessThanOrEqual(MAX_PEERS);
    p.forget(`sshd[${3 * MAX_PEERS - 1}]`);
    expect(p.peerOf(`sshd[${3 * MAX_PEERS - 1}]`)).toBeUndefined();
    p.remember('sshd[1]', '192.0.2.2');
    now = 5000;
    expect(p.peerOf('sshd[1]')).toBeUndefined();
  });

  it('lets at most MAX_WAITING affairs wait, PER_SESSION a session, until waitMs; then they count nothing', () => {
    let now = 0;
    const p = new SessionPeers<number>(1000, 5000, () => now);
    for (let i = 0; i < PER_SESSION; i++) expect(p.wait('sshd[1]', i)).toBe(true);
    expect(p.wait('sshd[1]', 99)).toBe(false);
    for (let i = 2; p.waitingAffairs < MAX_WAITING; i++) expect(p.wait(`sshd[${i}]`, i)).toBe(true);
    expect(p.wait('sshd[0]', 0)).toBe(false);
    expect(p.take('sshd[1]')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    now = 1000;
    expect(p.take('sshd[2]')).toEqual([]);
    expect(p.settle()).toHaveLength(MAX_WAITING - PER_SESSION);
    expect(p.waitingAffairs).toBe(0);
    expect(p.busy).toBe(false);
  });
});

describe('rules/Test carries a session\'s peer in file order', () => {
  it('shows the carried address on the line that counts, and the waiting line without one', async () => {
    const got = await replay([
      'Jun  7 04:29:10 host sshd[649921]: Connection from 192.0.2.16 port 51280 on 192.0.2.16 port 22 rdomain ""',
      'Nov 26 15:03:31 host sshd[649921]: fatal: Unable to negotiate a key exchange method [preauth]',
      `${H} sshd[5100]: fatal: no matching cipher found: client aes256-cbc server aes128-ctr [preauth]`,
      `${H} sshd[5101]: fatal: no matching cipher found: client aes256-cbc server aes128-ctr [preauth]`,
      `${H} sshd[5100]: Connection closed by 203.0.113.90 port 5100 [preauth]`,
      `${H} sshd[5101]: Received disconnect from 203.0.113.91 port 5101:11: disconnected by user`,
    ]);
    expect(got[0]).toEqual({ verdict: 'match', rule: 'session-open', action: 'inject', penalty: null, address: null, opens: '192.0.2.16' });
    expect(got[1]).toEqual({ verdict: 'match', rule: 'kex-negotiation', action: 'inject', penalty: null, address: '192.0.2.16', carried: true });
    expect(got[2]).toEqual({ verdict: 'match', rule: 'kex-negotiation', action: 'inject', penalty: null, address: null, waits: true });
    // A strict rule's `return 0` at LEVEL=normal, and a superflous_map line, name the peer the waiting lines count for.
    expect(got[4]).toEqual({ verdict: 'match', rule: 'kex-negotiation', action: 'inject', penalty: null, address: '203.0.113.90', carries: [3], own: 'preauth-closed-no-user return' });
    expect(got[5]).toEqual({ verdict: 'match', rule: 'kex-negotiation', action: 'inject', penalty: null, address: '203.0.113.91', carries: [4], own: 'skip' });
  });

  it('carries nothing across a close, another peer, an ambiguous line or a line without a pid', async () => {
    const got = await replay([
      `${H} sshd[701]: Connection from 203.0.113.103 port 40003 on 198.51.100.1 port 22`,
      `${H} sshd[701]: Connection closed by 203.0.113.103 port 40003 [preauth]`,
      `${H} sshd[701]: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd[702]: Connection from 203.0.113.104 port 40004 on 198.51.100.1 port 22`,
      `${H} sshd[702]: Failed password for deploy from 203.0.113.105 port 40005 ssh2`,
      `${H} sshd[702]: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd[703]: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd[703]: Failed hostbased for test from 203.0.113.106 port 58946 ssh2: ED25519 SHA256:x, client user "u", client host "h from 203.0.113.107 port 55555 ssh2: z"`,
      `${H} sshd[703]: Connection closed by 203.0.113.108 port 5 [preauth]`,
      `${H} sshd: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd: Connection from 203.0.113.109 port 40009 on 198.51.100.1 port 22`,
      // A new session on a pid whose earlier one waits: what waited counts nothing, the new one its own peer.
      `${H} sshd[704]: Disconnecting: Too many authentication failures [preauth]`,
      `${H} sshd[704]: Connection from 203.0.113.110 port 40010`,
      `${H} sshd[704]: Disconnecting: Too many authentication failures [preauth]`,
    ]);
    expect(got[11]).toMatchObject({ rule: 'max-auth-tries', address: null, waits: true });
    expect(got[12]).toEqual({ verdict: 'match', rule: 'session-open', action: 'inject', penalty: null, address: null, opens: '203.0.113.110' });
    expect(got[13]).toMatchObject({ rule: 'max-auth-tries', address: '203.0.113.110', carried: true });
    expect(got[2]).toMatchObject({ rule: 'kex-negotiation', address: null, waits: true });
    expect(got[5]).toMatchObject({ rule: 'kex-negotiation', address: null, waits: true });
    expect(got[7]).toMatchObject({ rule: 'failed-login', address: null, ambiguous: ['203.0.113.106', '203.0.113.107'] });
    expect(got[8]).toEqual({ verdict: 'match', rule: 'preauth-closed-no-user', action: 'return', penalty: null, address: null });
    expect(got[9]).toEqual({ verdict: 'match', rule: 'kex-negotiation', action: 'inject', penalty: null, address: null });
    expect(got[10]).toMatchObject({ rule: 'session-open', address: null });
    expect(got[10]).not.toHaveProperty('carries');
  });

  it('carries only in a rule set with an open rule: Postfix\'s smtpd serves one client after another', () => {
    expect(loadRuleSet(join(REPO, 'modules/WatchLG/rules')).carries).toBe(true);
    for (const d of ['WatchMX/rules', 'WatchMX/rules-exim', 'WatchMB/rules', 'WatchMB/rules-dovecot', 'WatchWB/rules']) expect(loadRuleSet(join(REPO, 'modules', d)).carries, d).toBe(false);
  });

  it('Affair=open takes an inject decision only', () => {
    const r = parseRuleFile(`Affair=open\nRULE=x\nPattern=': Connection from '\nif [[ "$REPLY" =~ "$Pattern" ]]; then return 0; fi\n`, 'x.rule');
    expect(r.problems).toEqual([{ file: 'x.rule', line: 4, message: "Affair=open (line 1) reads the peer of its line: its decision is 'inject; return $?' (it counts nothing), not return" }]);
  });
});
