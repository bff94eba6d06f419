// FIREWALL=nftables: a burst of attackers through a module's channel reaches the kernel in the
// same order of time as through ipset's. Each `nft -i` line is one transaction for which nft
// first reads the table, chain and set lists again: 5000 adds written a line each cost 5000
// transactions (~30 s of nft), where `ipset -exist -` takes them in ~1 s. The channel's nft runs
// with --debug=mnl (helpers/nft-mnl.ts): what it asks the kernel is counted, not wall time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from '../helpers/netns.js';
import { runJson } from '../helpers/script.js';
import { kernelEntries, kernelNets, requireBackend } from '../helpers/backends.js';
import { BATCH_BEGIN, GETSETELEM, NEWSETELEM, requests, wrapNft } from '../helpers/nft-mnl.js';

const OPEN = `import { openFirewall } from '$dist/master/lib/firewall/index.js';
  const fw = openFirewall({ FIREWALL: 'nftables' });`;

describe('nftables: the channel under a burst', () => {
  let ns: Netns;
  let dir: string;
  let log: string;
  beforeEach(async () => {
    requireBackend('nftables');
    ns = await Netns.create();
    dir = mkdtempSync(join(tmpdir(), 'watcher-nftburst-'));
    log = join(dir, 'mnl.log');
    wrapNft(dir, log);
  });
  afterEach(async () => {
    await ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('5000 tarpit adds and 500 custody networks reach the kernel in a few transactions, each sync() after its elements', async () => {
    const r = await runJson<{ synced: number[] }>(ns, `${OPEN} await fw.ensure();
      const ch = fw.channel(); const synced = [];
      const tarpit = (i) => '10.' + (i >> 16) + '.' + ((i >> 8) & 255) + '.' + (i & 255);
      for (let i = 1; i <= 5000; i++) ch.add('tarpit', tarpit(i), 60 + i % 7);
      const first = ch.sync().then(async () => { synced.push((await fw.list('tarpit')).length); });
      for (let i = 0; i < 500; i++) ch.add('custody', '172.' + (16 + (i >> 8)) + '.' + (i & 255) + '.0/24');
      await ch.sync(); synced.push((await fw.list('custody')).length);
      await first; await ch.close();
      console.log(JSON.stringify({ synced }));`, { PATH: `${dir}:${process.env.PATH}` });
    // What the kernel holds when each sync() resolved: all it waited for.
    expect(r.synced).toEqual([5000, 500]);
    const tarpit = await kernelEntries(ns, 'nftables', 'tarpit');
    expect(tarpit).toHaveLength(5000);
    // Each with its own timeout (seconds left, read a moment later).
    const left = (a: string): number => Number(/ timeout (\d+)$/.exec(tarpit.find((e) => e.startsWith(`${a} `)) ?? '')?.[1]);
    expect(left('10.0.0.7')).toBeLessThanOrEqual(60);
    expect(left('10.0.0.6')).toBeLessThanOrEqual(66);
    expect(left('10.0.0.6') - left('10.0.0.7')).toBeGreaterThanOrEqual(5);
    expect(await kernelNets(ns, 'nftables', 'custody')).toHaveLength(500);
    const sent = requests(log);
    // A line a kernel set of at most 500 elements: 5000 adds in 10 lines and 500 networks in 1
    // (a line each: 5500 transactions), and the first add of each alone.
    expect(sent.get(NEWSETELEM)).toBeLessThanOrEqual(14);
    expect(sent.get(BATCH_BEGIN)).toBeLessThanOrEqual(16);
    // Every request nft sent, cache reads and markers included: a few per round, not per element.
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBeLessThan(200);
    expect(sent.get(GETSETELEM) ?? 0).toBe(0);
  });

  it('a refused element in a batch does not lose its neighbours: they are applied, it is reported by name', async () => {
    // A set of 4 elements at most, made by hand: the kernel refuses a line that would overfill it.
    const r = await runJson<{ err: string; custody: string[] }>(ns, `${OPEN} await fw.ensure();
      const { execa } = await import('execa');
      await execa('nft', ['add set inet watcher nixspam/ip { type ipv4_addr; size 4; }']);
      const ch = fw.channel();
      ch.add('custody', '192.0.2.1');
      for (let i = 1; i <= 6; i++) ch.add('nixspam', '198.51.100.' + i);
      ch.add('custody', '192.0.2.2'); ch.add('custody', '192.0.2.3'); ch.del('custody', '192.0.2.3');
      let err = ''; try { await ch.sync(); } catch (e) { err = e.message; }
      await ch.close();
      console.log(JSON.stringify({ err, custody: (await fw.list('custody')).sort() }));`, { PATH: `${dir}:${process.env.PATH}` });
    expect(await kernelNets(ns, 'nftables', 'nixspam')).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']);
    expect(r.err).toBe('nft: add element nixspam/ip { 198.51.100.5 }: Could not process rule: Too many open files in system; '
      + 'add element nixspam/ip { 198.51.100.6 }: Could not process rule: Too many open files in system');
    // The other set's elements of the same round are in, an address added then freed is not.
    expect(r.custody).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});
