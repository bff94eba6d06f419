import { describe, expect, it } from 'vitest';
import { Sessions } from '../../../../master/lib/module/sessions.js';
import type { InjectRequest } from '../../../../master/lib/module/inject-apply.js';
import type { Weight } from '../../../../master/lib/rules/parse.js';

/** A session table with a pinned clock; `lines` are [session key, weight, rule]. */
function replay(lines: [string, Weight, string][], opts: { waitMs?: number; advanceMs?: number[] } = {}) {
  let t = 0;
  const counted: string[] = [];
  const s = new Sessions((r: InjectRequest) => counted.push(`${r.address}:${r.rule}`), { now: () => t, mono: () => t }, opts.waitMs ?? 10_000);
  lines.forEach(([key, w, rule], i) => {
    t += opts.advanceMs?.[i] ?? 1;
    s.add(key, w, { address: key.split(' ')[1], rule, t0: t });
  });
  return { counted, s, later: (ms: number) => { t += ms; s.settle(); } };
}

describe('one attempt, one affair', () => {
  it("an invalid user's failed password (four lines of sshd and PAM) is one affair", () => {
    const { counted, later } = replay([
      ['sshd[7] 1.2.3.4', 'session', 'invalid-user'],
      ['sshd[7] 1.2.3.4', 'session', 'pam-auth-failure'],
      ['sshd[7] 1.2.3.4', 'try', 'failed-password'],
      ['sshd[7] 1.2.3.4', 'close', 'preauth-closed'],
    ]);
    later(60_000);
    expect(counted).toEqual(['1.2.3.4:failed-password']);
  });

  it('six password tries in one connection are six affairs; the close after them adds none', () => {
    const { counted } = replay([...Array(6).fill(['sshd[8] 1.2.3.4', 'try', 'failed-password']), ['sshd[8] 1.2.3.4', 'close', 'max-auth-tries']]);
    expect(counted).toHaveLength(6);
  });

  it('a session that ends without a try counts one, with the reason it gave first', () => {
    const { counted } = replay([['sshd[9] 1.2.3.4', 'session', 'invalid-user'], ['sshd[9] 1.2.3.4', 'close', 'preauth-closed']]);
    expect(counted).toEqual(['1.2.3.4:invalid-user']);
  });

  it('a session line with no end counts after the wait, and once', () => {
    const { counted, later } = replay([['sshd[10] 1.2.3.4', 'session', 'invalid-user'], ['sshd[10] 1.2.3.4', 'session', 'pam-auth-failure']], { waitMs: 5000 });
    later(4000);
    expect(counted).toEqual([]);
    later(1001);
    expect(counted).toEqual(['1.2.3.4:invalid-user']);
    later(60_000);
    expect(counted).toHaveLength(1);
  });

  it('sessions are apart by pid and by address: two connections, two scanners', () => {
    const { counted } = replay([
      ['sshd[11] 1.2.3.4', 'close', 'no-identification'],
      ['sshd[12] 1.2.3.4', 'close', 'no-identification'],
      ['sshd[12] 5.6.7.8', 'close', 'no-identification'],
    ]);
    expect(counted).toEqual(['1.2.3.4:no-identification', '1.2.3.4:no-identification', '5.6.7.8:no-identification']);
  });

  it('a close that trails a counted close of the same session adds nothing', () => {
    const { counted } = replay([['sshd[13] 1.2.3.4', 'close', 'kex-negotiation'], ['sshd[13] 1.2.3.4', 'close', 'preauth-closed']]);
    expect(counted).toEqual(['1.2.3.4:kex-negotiation']);
  });

  it('flushAll counts what is held (a stop loses nothing)', () => {
    const { counted, s } = replay([['sshd[14] 1.2.3.4', 'session', 'invalid-user']]);
    expect(s.held).toBe(1);
    s.flushAll();
    expect(counted).toEqual(['1.2.3.4:invalid-user']);
  });

  it('beyond 100,000 sessions the one touched longest ago is settled first', () => {
    const counted: string[] = [];
    let t = 0;
    const s = new Sessions((r: InjectRequest) => counted.push(r.address), { now: () => t, mono: () => t }, 10_000);
    const add = (i: number, w: Weight): void => { t++; s.add(`sshd[${i}] 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, w, { address: `#${i}`, rule: 'r', t0: t }); };
    for (let i = 0; i < 100_000; i++) add(i, 'session');
    expect([counted, s.held]).toEqual([[], 100_000]);
    add(1, 'session'); // already held: its age is unchanged
    add(0, 'try'); // counted, and now the newest
    expect(counted).toEqual(['#0']);
    for (let i = 100_000; i < 300_000; i++) add(i, 'session');
    // Each new session settled the oldest: #1, #2, ..., #99999, then #0 (touched last of them;
    // its try counted already, so it adds nothing), then #100000, ...
    expect(counted.slice(0, 4)).toEqual(['#0', '#1', '#2', '#3']);
    expect(counted[99_999]).toBe('#99999');
    expect(counted[100_000]).toBe('#100000');
    expect(counted.filter((a) => a === '#0')).toHaveLength(1);
    expect(counted).toHaveLength(200_000);
    expect(s.held).toBe(100_000);
  });

  it('a long run of few sessions keeps the list of ages as short as the sessions', () => {
    let t = 0;
    const s = new Sessions(() => undefined, { now: () => t, mono: () => t }, 10_000);
    for (let i = 0; i < 200_000; i++) {
      t += 10;
      s.add(`sshd[${i % 50}] 192.0.2.${i % 50}`, i % 3 ? 'try' : 'session', { address: '192.0.2.1', rule: 'r', t0: t });
      if (i % 1000 === 0) s.settle();
    }
    expect(s.notedAges).toBeLessThanOrEqual(2 * 50 + 1024 + 1);
  });
});

