// sshd lines that name no peer (`fatal: Unable to negotiate a key exchange method`, `no matching
// mac found`, `kex_exchange_identification: ...`, `Disconnecting: Too many authentication
// failures`) count for the peer another line of the same sshd[pid] names: fail2ban's samples
// (tests/files/logs/sshd, gh-864, gh-1117, gh-1943, gh-3086, gh-3169) and hostile sessions,
// through a running WatchLG at LEVEL=normal. Before, each of them counted nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { makeSandbox, runWatchLG, killWatchLG, type Sandbox } from '../modules/WatchLG/sandbox.js';

const H = 'Nov  1 00:00:00 vmd28527';
type St = { lines: number; uncarried: number; carried: number; injected: number; held: number };

describe('WatchLG carries a session\'s peer to its lines that name none', () => {
  let sb: Sandbox, proc: ResultPromise;
  const st = (): St => sb.status() as unknown as St;
  // Feed lines and wait until the module has read them all.
  const feed = async (lines: string[]): Promise<St> => {
    const before = st().lines;
    sb.feed(lines);
    return sb.waitFor('every line read', () => st().lines >= before + lines.length && st(), 60_000);
  };
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=on\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=30\nSESSION_WAIT=2');
    ({ proc } = await runWatchLG(sb));
  });
  afterAll(async () => {
    await killWatchLG(proc);
    await sb?.close();
  });

  it('counts fail2ban\'s addressless kex lines once for the peer their session names before or after', async () => {
    await feed([
      'Nov 26 15:03:30 host sshd[22440]: Connection from 192.0.2.3 port 39678 on 192.168.1.9 port 22',
      'Nov 26 15:03:31 host sshd[22440]: fatal: Unable to negotiate a key exchange method [preauth]',
      'Nov 26 15:03:32 host sshd[22440]: fatal: Unable to negotiate a key exchange method [preauth]',
      'Oct 25 19:37:08 hostname sshd[22477]: Connection from 192.0.2.1 port 31309 on 192.0.2.8 port 22',
      'Oct 25 19:37:09 hostname sshd[22477]: fatal: no matching mac found: client hmac-xxx,hmac-xxx,hmac-xxx server hmac-xxx,umac-xxx [preauth]',
      'Mar  1 18:59:33 hostname sshd[1189575]: error: kex_exchange_identification: banner line too long',
      'Mar  1 18:59:33 hostname sshd[1189575]: banner exchange: Connection from 192.0.2.12 port 44105: invalid format',
      'Nov 24 23:46:39 host sshd[32686]: SSH: Server;Ltype: Version;Remote: 127.0.0.2-1780;Protocol: 2.0;Client: libssh2_1.4.3',
      'Nov 24 23:46:41 host sshd[32686]: SSH: Server;Ltype: Authname;Remote: 127.0.0.2-1780;Name: root [preauth]',
      // The kex line waits; the close after it (a strict rule's `return 0` at LEVEL=normal) names the peer.
      `${H} sshd[5100]: fatal: no matching cipher found: client aes256-cbc,3des-cbc server aes128-ctr,aes256-ctr [preauth]`,
      `${H} sshd[5100]: Connection closed by 203.0.113.90 port 5100 [preauth]`,
    ]);
    await sb.waitFor('the carried affairs', () => sb.row('192.0.2.12') && sb.row('203.0.113.90') && sb.row('192.0.2.1') && sb.row('192.0.2.3'));
    // The second kex line of sshd[22440] came after the first ended the session: it waits, and counts nothing.
    await sb.waitFor('the wait over', () => st().uncarried >= 1 && st().held === 0, 20_000);
    expect(st().uncarried).toBe(1);
    expect(sb.row('192.0.2.3')).toMatchObject({ affairs: 1, rule: 'kex-negotiation' });
    expect(sb.row('192.0.2.1')).toMatchObject({ affairs: 1, rule: 'kex-negotiation' });
    expect(sb.row('192.0.2.12')).toMatchObject({ affairs: 1, rule: 'bad-protocol' });
    expect(sb.row('203.0.113.90')).toMatchObject({ affairs: 1, rule: 'kex-negotiation' });
    expect(sb.row('192.0.2.8')).toBeUndefined();
    expect(sb.row('192.168.1.9')).toBeUndefined();
    expect(sb.trace()).toContain('[inject] sshd[22440]: 192.0.2.3 is the peer of this session');
    expect(sb.trace()).toContain('[inject] kex-negotiation: 203.0.113.90, the peer sshd[5100] names on this line');
  }, 60_000);

  it('keeps two interleaved sessions apart, adds nothing after counted tries, and lets no reused pid inherit a peer', async () => {
    const A = '203.0.113.101', B = '203.0.113.102', C = '203.0.113.103', D = '203.0.113.104';
    const before = st();
    await feed([
      `${H} sshd[601]: Connection from ${A} port 40001 on 198.51.100.1 port 22`,
      `${H} sshd[602]: Connection from ${B} port 40002 on 198.51.100.1 port 22`,
      `${H} sshd[602]: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd[601]: fatal: no matching mac found: client hmac-md5 server hmac-sha2-256 [preauth]`,
      `${H} sshd[603]: Connection from ${D} port 40004 on 198.51.100.1 port 22`,
      `${H} sshd[603]: Failed password for deploy from ${D} port 40004 ssh2`,
      `${H} sshd[603]: Failed password for deploy from ${D} port 40004 ssh2`,
      `${H} sshd[603]: Disconnecting: Too many authentication failures [preauth]`,
      // The session of C ends; the pid comes back without its open line (lost): no peer to inherit.
      `${H} sshd[701]: Connection from ${C} port 40003 on 198.51.100.1 port 22`,
      `${H} sshd[701]: Connection closed by ${C} port 40003 [preauth]`,
      `${H} sshd[701]: fatal: Unable to negotiate a key exchange method [preauth]`,
      // An earlier session of pid 704 waits; a new one opens on it: the wait ends, counting nothing.
      `${H} sshd[704]: Disconnecting: Too many authentication failures [preauth]`,
      `${H} sshd[704]: Connection from 203.0.113.110 port 40010`,
      `${H} sshd[704]: Connection closed by 203.0.113.110 port 40010 [preauth]`,
    ]);
    await sb.waitFor('the session with no peer ended', () => st().uncarried >= before.uncarried + 2, 20_000);
    expect(sb.row('203.0.113.110')).toBeUndefined();
    expect(sb.trace()).toContain('[inject] max-auth-tries: no peer for it (a new session of sshd[704] opened before its peer was named): nothing counted');
    expect(sb.row(A)).toMatchObject({ affairs: 1, rule: 'kex-negotiation' });
    expect(sb.row(B)).toMatchObject({ affairs: 1, rule: 'kex-negotiation' });
    expect(sb.row(D)).toMatchObject({ affairs: 2, rule: 'failed-password' });
    expect(sb.row(C)).toBeUndefined();
    expect(st().uncarried - before.uncarried).toBe(2);
    expect(sb.trace()).toContain('[inject] kex-negotiation: its session named no peer within SESSION_WAIT: nothing counted');
  }, 60_000);

  it('never takes an address a client wrote, nor one of an ambiguous line', async () => {
    const E = '203.0.113.105';
    const before = st();
    await feed([
      // A waiting affair; the client's banner quotes an address: not where sshd writes its peer.
      `${H} sshd[801]: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd[801]: error: kex_exchange_identification: client sent invalid protocol identifier "Connection closed by 10.9.9.9 port 1"`,
      `${H} sshd[801]: input_userauth_request: invalid user x from 10.9.9.8 port 22 [preauth]`,
      `${H} sshd[801]: Bad protocol version identification 'x from 10.9.9.7 port 1' from ${E} port 41004`,
      // An ambiguous line ends its session's wait: nothing counted.
      `${H} sshd[802]: fatal: Unable to negotiate a key exchange method [preauth]`,
      `${H} sshd[802]: Failed hostbased for test from 203.0.113.106 port 58946 ssh2: ED25519 SHA256:x, client user "u", client host "h from 203.0.113.107 port 55555 ssh2: z"`,
    ]);
    await sb.waitFor('the banner line counted', () => sb.row(E));
    await new Promise((r) => setTimeout(r, 2500));
    expect(sb.row(E)).toMatchObject({ affairs: 1 });
    for (const a of ['10.9.9.9', '10.9.9.8', '10.9.9.7', '203.0.113.106', '203.0.113.107']) expect(sb.row(a), a).toBeUndefined();
    expect(st().uncarried - before.uncarried).toBe(1);
  }, 60_000);

  it('stays bounded under a flood of addressless lines and keeps counting', async () => {
    const before = st();
    const flood = Array.from({ length: 20_000 }, (_, i) => `${H} sshd[${100_000 + i}]: fatal: Unable to negotiate a key exchange method [preauth]`);
    await feed(flood);
    // Every one of them ends counting nothing: 10,000 wait at most, the rest at once.
    await sb.waitFor('the flood settled', () => st().uncarried >= before.uncarried + 20_000, 30_000);
    expect(st().uncarried - before.uncarried).toBe(20_000);
    expect(st().injected).toBe(before.injected);
    const F = '203.0.113.108';
    await feed([`${H} sshd[901]: Connection from ${F} port 40005 on 198.51.100.1 port 22`, `${H} sshd[901]: fatal: Unable to negotiate a key exchange method [preauth]`]);
    await sb.waitFor('counted after the flood', () => sb.row(F));
    expect(sb.row(F)).toMatchObject({ affairs: 1, rule: 'kex-negotiation' });
    expect(proc.exitCode).toBeNull();
  }, 90_000);
});
