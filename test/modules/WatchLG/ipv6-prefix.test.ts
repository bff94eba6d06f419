// IPV6_PREFIX=64: an IPv6 attacker's affairs are counted and its tarpit applied for its /64,
// on each firewall backend; a /64 holding a whitelisted address is never blocked whole.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { killWatchLG, makeSandbox, runWatchLG, type Sandbox } from './sandbox.js';
import { BACKENDS } from '../../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';
const failed = (pid: number, a: string) => `${H} sshd[${pid}]: Failed password for admin from ${a} port 22 ssh2`;

describe.each(BACKENDS)('IPV6_PREFIX=64 (%s)', (backend) => {
  let sb: Sandbox;
  let proc: ResultPromise;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=on\nGEOTRACK=\nMAX_AFFAIRS=3\nTIME_SLICE=60\nSESSION_WAIT=1\nIPV6_PREFIX=64', { dns: false, backend });
    writeFileSync(join(sb.inst.root, 'whitelist'), '2001:db8:1:3::7 # a neighbour\n');
    ({ proc } = await runWatchLG(sb));
  }, 120_000);
  afterAll(async () => {
    await killWatchLG(proc);
    await sb?.close();
  });

  it('two addresses of one /64 are one bandit: its affairs counted together, its /64 in tarpit, then in custody', async () => {
    sb.feed([failed(1, '2001:db8:1:2::5'), failed(2, '2001:db8:1:2:aaaa::9'), failed(3, '192.0.2.50'), failed(4, '2001:db8:1:3::8')]);
    await sb.waitFor('4 lines counted', () => (sb.status()?.injected as number) >= 4 && sb.row('2001:db8:1:3::8') && sb.row('2001:db8:1:2::/64')?.affairs === 2);
    expect(sb.row('2001:db8:1:2::/64')).toMatchObject({ affairs: 2, status: 'TARPIT' });
    expect(sb.row('2001:db8:1:2::5')).toBeUndefined();
    expect(sb.row('192.0.2.50')).toMatchObject({ affairs: 1 });
    // 2001:db8:1:3::/64 holds a whitelisted address: its attacker counts alone.
    expect(sb.row('2001:db8:1:3::8')).toMatchObject({ affairs: 1 });
    expect(sb.row('2001:db8:1:3::/64')).toBeUndefined();
    const tarpit = await sb.waitFor('tarpit entries', async () => { const m = await sb.members('tarpit'); return m.size >= 3 ? m : false; });
    expect([...tarpit.keys()].sort()).toEqual(['192.0.2.50', '2001:db8:1:2::/64', '2001:db8:1:3::8']);
    expect(tarpit.get('2001:db8:1:2::/64')).toBeGreaterThan(200);
    expect(tarpit.get('2001:db8:1:2::/64')).toBeLessThanOrEqual(240);
    sb.feed([failed(5, '2001:db8:1:2::77')]);
    await sb.waitFor('the /64 dropped', () => sb.row('2001:db8:1:2::/64')?.status === 'DROP');
    const custody = await sb.waitFor('custody', async () => { const m = await sb.members('custody'); return m.size ? m : false; });
    expect([...custody.keys()]).toEqual(['2001:db8:1:2::/64']);
    expect(sb.log()).toMatch(/DROP 2001:db8:1:2::\/64 /);
  });

  it('freeme names the /64 that holds an address; with --networks it takes the network out of the sets and the database', async () => {
    const held = await sb.run('bin/freeme', ['2001:db8:1:2::99']);
    expect(held.exitCode).toBe(1);
    expect(held.stdout).toMatch(/^2001:db8:1:2::99: still blocked: network 2001:db8:1:2::\/64 in set custody covers it/m);
    const r = await sb.run('bin/freeme', ['--networks', '2001:db8:1:2::99']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed network 2001:db8:1:2::\/64 \(covers it\) from set custody/);
    expect(r.stdout).toMatch(/removed 2001:db8:1:2::\/64 \(covers it\) from .*WatchLG\.db/);
    expect(sb.row('2001:db8:1:2::/64')).toBeUndefined();
    expect([...(await sb.members('custody')).keys()]).toEqual([]);
  });
});
