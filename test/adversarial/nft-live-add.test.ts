// FIREWALL=nftables with big network lists loaded: a module's single add must not make nft read
// the lists back. nft 1.0.6 fetches the elements of every interval set of the ruleset (any
// table) before each `add element` or `delete element`: a second per add with 1M entries loaded.
// The channel's nft runs with --debug=mnl (a wrapper first on PATH, see helpers/nft-mnl.ts), which
// prints every netlink request it sends: no element dump (NFT_MSG_GETSETELEM) may be among them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from '../helpers/netns.js';
import { runJson } from '../helpers/script.js';
import { kernelNets, requireBackend } from '../helpers/backends.js';
import { DELSETELEM, GETSETELEM, NEWSETELEM, requests, wrapNft } from '../helpers/nft-mnl.js';

describe('nftables: a live add with network lists loaded', () => {
  let ns: Netns;
  let dir: string;
  beforeEach(async () => {
    requireBackend('nftables');
    ns = await Netns.create();
    dir = mkdtempSync(join(tmpdir(), 'watcher-nftadd-'));
  });
  afterEach(async () => {
    await ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks nft for no element dump: networks of many lengths loaded, in custody, tarpit and the whitelist', async () => {
    const log = join(dir, 'mnl.log');
    const load = `import { openFirewall } from '$dist/master/lib/firewall/index.js';
      const fw = openFirewall({ FIREWALL: 'nftables' });
      await fw.ensure();
      const l = fw.loader(process.env.FLUSH);
      for (let i = 0; i < 4000; i++) {
        l.add({ set: 'blacklist', net: '10.' + (i >> 8) + '.' + (i & 255) + '.' + (i % 2 ? '16/28' : '0/24'), family: 4 });
        l.add({ set: 'blacklist', net: '172.16.' + (i >> 8) + '.' + (i & 255), family: 4 });
      }
      for (let i = 0; i < 300; i++) l.add({ set: 'nixspam', net: '2001:db8:' + i.toString(16) + '::/48', family: 6 });
      l.add({ set: 'whitelist', net: '192.0.2.0/24', family: 4 });
      l.add({ set: 'custody', net: '198.18.0.0/15', family: 4 });
      await l.drain(); await l.finish();
      console.log('{}');`;
    await runJson(ns, load, { FLUSH: join(dir, 'Flushload') });
    // No set of Watcher's table is an interval set: the cause of the read-back is gone.
    const sets = JSON.parse(await ns.ok('nft', ['-t', '-j', 'list', 'sets', 'inet'])) as { nftables: { set?: { name: string; table: string; flags?: string[] } }[] };
    const names = sets.nftables.flatMap((o) => (o.set?.table === 'watcher' ? [o.set] : []));
    expect(names.map((s) => s.name)).toEqual(expect.arrayContaining(['blacklist/ip', 'blacklist/ip/24', 'blacklist/ip/28', 'nixspam/ip6/48', 'custody/ip/15']));
    expect(names.filter((s) => s.flags?.includes('interval'))).toEqual([]);

    wrapNft(dir, log);
    const live = `import { openFirewall } from '$dist/master/lib/firewall/index.js';
      const fw = openFirewall({ FIREWALL: 'nftables' });
      const ch = fw.channel();
      ch.add('custody', '203.0.113.7'); await ch.sync();
      ch.add('custody', '100.64.0.0/10'); ch.add('custody', '100.72.0.0/16'); ch.add('tarpit', '203.0.113.8', 120);
      ch.add('tarpit', '2001:db8:ffff:1::/64', 120); ch.add('custody', '2001:db8:ffff:2::/64'); await ch.sync();
      ch.del('custody', '203.0.113.7'); ch.del('custody', '100.72.0.0/16'); ch.del('custody', '100.99.0.0/16'); await ch.sync();
      await ch.close();
      console.log(JSON.stringify({ custody: (await fw.list('custody')).sort() }));`;
    const r = await runJson<{ custody: string[] }>(ns, live, { PATH: `${dir}:${process.env.PATH}` });
    expect(r.custody).toEqual(['100.64.0.0/10', '198.18.0.0/15', '2001:db8:ffff:2::/64']);
    expect(await kernelNets(ns, 'nftables', 'tarpit')).toEqual(['2001:db8:ffff:1::/64', '203.0.113.8']);
    const sent = requests(log);
    // The channel's nft was the wrapped one and did its adds and deletes: one request per kernel
    // set and round (the two deletes of custody/ip/16 go together, after an add of both)...
    expect(sent.get(NEWSETELEM)).toBe(7);
    expect(sent.get(DELSETELEM)).toBe(2);
    // ...and never asked the kernel for the elements of any set.
    expect(sent.get(GETSETELEM) ?? 0).toBe(0);
  });
});
