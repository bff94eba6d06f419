// Self-test of the sandbox: what is created inside a test namespace is not visible outside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { Netns, joinVeth, requireTools } from './netns.js';

describe('network namespace sandbox', () => {
  let ns: Netns;
  const set = `wtest${process.pid}`;
  beforeAll(async () => {
    requireTools(['ipset', 'iptables', 'nft', 'unshare', 'nsenter', 'ping']);
    ns = await Netns.create();
  });
  afterAll(async () => { await ns?.destroy(); });

  it('has an ipset inside that the host does not see', async () => {
    await ns.ok('ipset', ['create', set, 'hash:ip']);
    await ns.ok('ipset', ['add', set, '192.0.2.7']);
    expect(await ns.ok('ipset', ['list', set])).toMatch(/192\.0\.2\.7/);
    const outside = await execa('ipset', ['list', set], { reject: false });
    expect(outside.exitCode).not.toBe(0);
    expect(String(outside.stderr)).toMatch(/does not exist/);
  });

  it('has iptables chains and nft tables of its own', async () => {
    await ns.ok('iptables', ['-N', 'WTEST']);
    expect(await ns.ok('iptables', ['-S', 'WTEST'])).toContain('-N WTEST');
    expect((await execa('iptables', ['-S', 'WTEST'], { reject: false })).exitCode).not.toBe(0);
    await ns.ok('nft', ['add', 'table', 'inet', 'wtest']);
    expect(await ns.ok('nft', ['list', 'tables'])).toContain('table inet wtest');
    expect(String((await execa('nft', ['list', 'tables'], { reject: false })).stdout)).not.toContain('table inet wtest');
  });

  it('joins two namespaces with veth so packets flow', async () => {
    const other = await Netns.create();
    try {
      await joinVeth(ns, other, '10.99.0.1', '10.99.0.2');
      const ping = await ns.exec('ping', ['-c', '1', '-W', '2', '10.99.0.2']);
      expect(ping.exitCode).toBe(0);
    } finally { await other.destroy(); }
  });
});
