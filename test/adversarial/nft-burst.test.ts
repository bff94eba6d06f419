// FIREWALL=nftables: a burst of attackers through a module's channel reaches the kernel in the
// same order of time as through ipset's. Each `nft -i` line is one transaction for which nft
// first reads the table, chain and set lists again: 5000 adds written a line each cost 5000
// transactions (~30 s of nft), where `ipset -exist -` takes them in ~1 s. The channel's nft runs
// with --debug=mnl (helpers/nft-mnl.ts): what it asks the kernel is counted, not wall time.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from '../helpers/netns.js';
import { runJson } from '../helpers/script.js';
import { kernelEntries, kernelNets, requireBackend } from '../helpers/backends.js';
import { BATCH_BEGIN, GETSETELEM, NEWSETELEM, gateNft, requests, wrapNft } from '../helpers/nft-mnl.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';

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
    const r = await runJson<{ synced: Record<string, number> }>(ns, `${OPEN} await fw.ensure();
      const ch = fw.channel(); const synced = {};
      const tarpit = (i) => '10.' + (i >> 16) + '.' + ((i >> 8) & 255) + '.' + (i & 255);
      for (let i = 1; i <= 5000; i++) ch.add('tarpit', tarpit(i), 60 + i % 7);
      const first = ch.sync().then(async () => { synced.tarpit = (await fw.list('tarpit')).length; });
      for (let i = 0; i < 500; i++) ch.add('custody', '172.' + (16 + (i >> 8)) + '.' + (i & 255) + '.0/24');
      await ch.sync(); synced.custody = (await fw.list('custody')).length;
      await first; await ch.close();
      console.log(JSON.stringify({ synced }));`, { PATH: `${dir}:${process.env.PATH}` });
    // What the kernel holds when each sync() resolved: all it waited for.
    expect(r.synced).toEqual({ tarpit: 5000, custody: 500 });
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

  it('an nft killed with a round in it: the sync says so, and the next one applies that round too', async () => {
    const gate = join(dir, 'gate');
    gateNft(dir, gate);
    const r = await runJson<{ err: string; custody: string[] }>(ns, `${OPEN} await fw.ensure();
      const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
      // The channel's process: a child of this one named nft.
      const child = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).find((p) => {
        try { const st = readFileSync('/proc/' + p + '/stat', 'utf8'); return st.includes('(nft)') && st.split(') ')[1].split(' ')[1] === String(process.pid); } catch { return false; }
      });
      const ch = fw.channel();
      ch.add('custody', '192.0.2.1'); ch.add('custody', '192.0.2.2'); ch.add('tarpit', '192.0.2.3', 600);
      const first = ch.sync();
      process.kill(Number(child()), 'SIGKILL');
      let err = ''; try { await first; } catch (e) { err = e.message; }
      writeFileSync(process.env.GATE, '');
      ch.add('custody', '192.0.2.4'); await ch.sync(); await ch.close();
      console.log(JSON.stringify({ err, custody: (await fw.list('custody')).sort() }));`, { PATH: `${dir}:${process.env.PATH}`, GATE: gate });
    expect(r.err).toMatch(/^nft channel ended \(exit SIGKILL\)/);
    expect(r.custody).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.4']);
    expect(await kernelNets(ns, 'nftables', 'tarpit')).toEqual(['192.0.2.3']);
  });
});

describe('nftables: a module stopped while its channel does not answer', () => {
  let sb: Sandbox | undefined;
  let dir: string;
  const path = process.env.PATH;
  beforeAll(async () => {
    requireBackend('nftables');
    dir = mkdtempSync(join(tmpdir(), 'watcher-nftgate-'));
    gateNft(dir, join(dir, 'gate'));
    // The sandbox, the master and the module it starts find the gated nft first.
    process.env.PATH = `${dir}:${path}`;
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60', { dns: false, backend: 'nftables' });
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=3\n' });
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(async () => {
    process.env.PATH = path;
    // The channels left waiting read their input and end.
    if (dir) writeFileSync(join(dir, 'gate'), '');
    await closeService(sb);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says how many changes were not confirmed and writes its stopped line before STOP_GRACE ends', async () => {
    const s = sb!;
    const H = 'Nov  1 00:00:00 vmd28527';
    s.feed(Array.from({ length: 50 }, (_, k) => `${H} sshd[9]: Failed password for invalid user x from 10.64.0.${k + 1} port 22 ssh2`));
    await s.waitFor('50 attackers tarpitted', () => s.status()?.tarpitted === 50);
    expect(await kernelNets(s.ns, 'nftables', 'tarpit')).toEqual([]);
    const stop = await s.run('master/watcher', ['stop']);
    expect(stop.stdout).toContain('Stopping module WatchLG ...');
    expect(stop.stdout).not.toContain('killed');
    expect(s.log()).toContain('firewall at stop: 50 adds and deletes not confirmed within STOP_GRACE=3 s (custody comes back from the database at the next start)');
    expect(s.log()).toMatch(/stopped \(SIGTERM\): 50 lines, 50 affairs, 0 dropped/);
  }, 60_000);
});
