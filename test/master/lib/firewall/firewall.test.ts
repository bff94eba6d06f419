// Every firewall backend on the real kernel netfilter, inside a private namespace: the same
// assertions for iptables + ipset and for nftables, read back with each backend's own tools.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Netns } from '../../../helpers/netns.js';
import { runJson, runScript } from '../../../helpers/script.js';
import { BACKENDS, channelProgram, kernelChain, kernelCopies, kernelEntries, kernelHasWatcher, kernelNets, kernelRuleset, replacesLine, requireBackend, type Backend } from '../../../helpers/backends.js';

const open = (b: Backend) => `import { openFirewall, destroyOtherBackend } from '$dist/master/lib/firewall/index.js';
const fw = openFirewall({ FIREWALL: '${b}' });
`;

describe.each(BACKENDS)('firewall %s', (backend) => {
  let ns: Netns;
  const OPEN = open(backend);
  beforeEach(async () => {
    requireBackend(backend);
    ns = await Netns.create();
  });
  afterEach(async () => { await ns?.destroy(); });

  it('ensure() builds whitelist ACCEPT then a DROP per standard set; loopback is spared; twice changes nothing', async () => {
    const sets = await runJson<string[]>(ns, `${OPEN} await fw.ensure(); console.log(JSON.stringify(await fw.sets()));`);
    expect(sets.sort()).toEqual(['blacklist', 'custody', 'hijackers', 'tarpit', 'whitelist']);
    expect(await kernelChain(ns, backend)).toEqual(['accept whitelist', 'drop blacklist', 'drop hijackers', 'drop custody', 'drop tarpit']);
    expect(await kernelNets(ns, backend, 'watcher-own')).toEqual(expect.arrayContaining(['127.0.0.0/8', '::1']));
    const before = await kernelRuleset(ns, backend);
    await runJson(ns, `${OPEN} await fw.ensure(); await fw.ensure(); console.log('{}');`);
    expect(await kernelRuleset(ns, backend)).toBe(before);
  });

  it('ensureSet() adds a dynloader set with its DROP after the standard sets, once; a bad name is refused (65)', async () => {
    await runJson(ns, `${OPEN} await fw.ensure(); await fw.ensureSet('nixspam'); await fw.ensureSet('nixspam'); console.log('{}');`);
    expect(await kernelChain(ns, backend)).toEqual(['accept whitelist', 'drop blacklist', 'drop hijackers', 'drop custody', 'drop tarpit', 'drop nixspam']);
    const bad = await runScript(ns, `${OPEN} for (const n of ['bad;name', 'watcher-own', 'a/net']) try { await fw.ensureSet(n); } catch (e) { console.log(e.exitCode, e.message); }`);
    expect(bad.stdout).toMatch(/^65 'bad;name' is not a valid set name/m);
    expect(bad.stdout).toMatch(/^65 'watcher-own' is a set Watcher keeps for itself/m);
    expect(bad.stdout).toMatch(/^65 'a\/net' is not a valid set name/m);
  });

  it('ensure() with more sets makes them with the standard ones, in order and once; a bad name among them is refused (65) and makes nothing', async () => {
    const bad = await runScript(ns, `${OPEN} try { await fw.ensure(['geo-cn', 'bad;name']); } catch (e) { console.log(e.exitCode, e.message); }`);
    expect(bad.stdout).toMatch(/^65 'bad;name' is not a valid set name/m);
    expect(await kernelHasWatcher(ns, backend)).toBe(false);
    await runJson(ns, `${OPEN} await fw.ensure(['geo-cn', 'blacklist', 'nixspam']); await fw.ensure(['geo-cn']); console.log('{}');`);
    expect(await kernelChain(ns, backend)).toEqual(['accept whitelist', 'drop blacklist', 'drop hijackers', 'drop custody', 'drop tarpit', 'drop geo-cn', 'drop nixspam']);
  });

  it('channel: adds and deletes of both families are in the kernel when sync() resolves; a bad add does not end it', async () => {
    const r = await runJson<Record<string, unknown>>(ns, `${OPEN} await fw.ensure();
      const ch = fw.channel();
      ch.add('custody', '192.0.2.7'); ch.add('custody', '2001:db8::/64'); ch.add('tarpit', '198.51.100.9', 120);
      ch.add('custody', '203.0.113.0/24'); ch.del('custody', '203.0.113.0/24'); ch.del('custody', '203.0.114.0/24');
      await ch.sync();
      ch.add('custody', '1.2.3.4;reboot'); ch.add('custody', '10.0.0.1', 60); ch.add('nosuchset', '10.0.0.2');
      let err = ''; try { await ch.sync(); } catch (e) { err = e.message; }
      ch.add('custody', '192.0.2.8'); ch.add('custody', '2001:db8:5::1'); await ch.sync();
      await ch.close();
      console.log(JSON.stringify({ err, custody: (await fw.list('custody')).sort(), counts: Object.fromEntries(await fw.counts()) }));`);
    expect(r.err).toMatch(/add custody 1\.2\.3\.4;reboot: not an IPv4\/IPv6 address or CIDR/);
    expect(r.err).toMatch(/timeout/i);
    expect(r.err).toMatch(/does not exist/);
    expect(r.custody).toEqual(['192.0.2.7', '192.0.2.8', '2001:db8:5::1', '2001:db8::/64']);
    expect(r.counts).toEqual({ whitelist: 0, blacklist: 0, hijackers: 0, custody: 4, tarpit: 1 });
    expect((await kernelEntries(ns, backend, 'tarpit'))[0]).toMatch(/^198\.51\.100\.9 timeout 1[12]\d$/);
  });

  it('channel: nothing it is given (attackers\' addresses) is written to the home directory', async () => {
    const home = mkdtempSync(join(tmpdir(), 'watcher-home-'));
    try {
      // nft -i keeps a history of every line in $HOME/.nft.history and reads it all when it starts.
      await runJson(ns, `${OPEN} await fw.ensure();
        const ch = fw.channel();
        ch.add('custody', '192.0.2.7'); await ch.sync();
        ch.add('tarpit', '198.51.100.9', 120); ch.del('custody', '192.0.2.7'); await ch.sync(); await ch.close();
        console.log('{}');`, { HOME: home });
      expect(readdirSync(home)).toEqual([]);
      expect(await kernelEntries(ns, backend, 'custody')).toEqual([]);
    } finally { rmSync(home, { recursive: true, force: true }); }
  });

  it('channel: one process; one that died is started again on the next write', async () => {
    const r = await runJson<Record<string, unknown>>(ns, `${OPEN} await fw.ensure();
      const { readdirSync, readFileSync } = await import('node:fs');
      const children = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
        try { const st = readFileSync('/proc/' + p + '/stat', 'utf8'); return st.includes('(${channelProgram(backend)})') && st.split(') ')[1].split(' ')[1] === String(process.pid); } catch { return false; }
      });
      const ch = fw.channel(); ch.add('custody', '192.0.2.1'); await ch.sync();
      ch.add('custody', '192.0.2.3'); ch.add('custody', '2001:db8::3'); await ch.sync();
      const before = children();
      process.kill(Number(before[0]), 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      ch.add('custody', '192.0.2.2'); await ch.sync();
      const after = children();
      await ch.close();
      console.log(JSON.stringify({ before, after, custody: (await fw.list('custody')).sort() }));`);
    expect(r.before).toHaveLength(1);
    expect(r.after).toHaveLength(1);
    expect(r.after).not.toEqual(r.before);
    expect(r.custody).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '2001:db8::3']);
  });

  it('ensure() refreshes the own set from the current addresses of the machine', async () => {
    await ns.ok('ip', ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    await ns.ok('ip', ['link', 'set', 'd1', 'up']);
    await ns.ok('ip', ['addr', 'add', '192.0.2.10/24', 'dev', 'd0']);
    await ns.ok('ip', ['-6', 'addr', 'add', '2001:db8::10/64', 'dev', 'd0', 'nodad']);
    await ns.ok('ip', ['link', 'set', 'd0', 'up']);
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    expect(await kernelNets(ns, backend, 'watcher-own')).toEqual(expect.arrayContaining(['127.0.0.0/8', '192.0.2.10', '2001:db8::10', '::1']));
    await ns.ok('ip', ['addr', 'del', '192.0.2.10/24', 'dev', 'd0']);
    await ns.ok('ip', ['addr', 'add', '192.0.2.11/24', 'dev', 'd0']);
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    expect(await kernelNets(ns, backend, 'watcher-own')).toContain('192.0.2.11');
    expect(await kernelNets(ns, backend, 'watcher-own')).not.toContain('192.0.2.10');
  });

  it('channel: nested networks are entries of their own (hash:net); deletes of what is not there are silent', async () => {
    const r = await runJson<string[]>(ns, `${OPEN} await fw.ensure();
      const ch = fw.channel();
      ch.add('custody', '10.1.0.0/16'); ch.add('custody', '10.0.0.0/8'); ch.add('custody', '10.2.3.0/24'); ch.add('custody', '10.2.3.4');
      ch.del('custody', '172.16.0.0/12'); ch.del('custody', '192.0.2.99');
      await ch.sync(); await ch.close();
      console.log(JSON.stringify(await fw.list('custody')));`);
    expect(r.sort()).toEqual(['10.0.0.0/8', '10.1.0.0/16', '10.2.3.0/24', '10.2.3.4']);
  });

  it('a load replaces the sets it names inside one run, live sets only get adds; the Flushload is 0600', async () => {
    const flush = `/tmp/flushload-test-${process.pid}-${backend}`;
    const r = await runJson<Record<string, unknown>>(ns, `${OPEN} await fw.ensure(); await fw.ensureSet('nixspam');
      const ch = fw.channel(); ch.add('blacklist', '10.9.9.9'); ch.add('custody', '192.0.2.1'); ch.add('nixspam', '10.8.8.8');
      await ch.sync(); await ch.close();
      const l = fw.loader(process.env.FLUSH);
      l.add({ set: 'blacklist', net: '10.1.0.0/16', family: 4, comment: 'a net' });
      l.add({ set: 'blacklist', net: '10.1.2.0/24', family: 4 });
      l.add({ set: 'blacklist', net: '2001:db8::/32', family: 6 });
      l.add({ set: 'custody', net: '192.0.2.2', family: 4 });
      l.add({ set: 'geo-cn', net: '1.0.1.0/24', family: 4 });
      await l.drain();
      const res = await l.finish(['whitelist']);
      const fs = await import('node:fs');
      console.log(JSON.stringify({ res, flush: fs.readFileSync(process.env.FLUSH, 'utf8'), mode: (fs.statSync(process.env.FLUSH).mode & 0o777).toString(8) }));`,
    { FLUSH: flush });
    expect(await kernelEntries(ns, backend, 'blacklist')).toEqual(expect.arrayContaining(['10.1.0.0/16 comment "a net"']));
    expect(await kernelNets(ns, backend, 'blacklist')).not.toContain('10.9.9.9');
    expect(await kernelEntries(ns, backend, 'blacklist', 6)).toEqual(['2001:db8::/32']);
    expect(await kernelNets(ns, backend, 'custody')).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(await kernelNets(ns, backend, 'nixspam')).toEqual(['10.8.8.8']);
    expect(await kernelNets(ns, backend, 'geo-cn')).toEqual(['1.0.1.0/24']);
    expect(r.res).toEqual({ entries: 5, replaced: ['blacklist', 'geo-cn', 'whitelist'], added: ['custody'], refused: [], kept: [] });
    expect(r.flush).toContain(replacesLine(backend, 'blacklist'));
    expect(await kernelCopies(ns, backend)).toEqual([]);
    expect(r.mode).toBe('600');
    expect((await kernelChain(ns, backend)).at(-1)).toMatch(/^drop (geo-cn|nixspam)$/);
  });

  it('a held Loadfile\'s screened runs load as their lines would; a line the kernel refuses is named by its file:line', async () => {
    const flush = `/tmp/flushload-test-${process.pid}-${backend}-held`;
    const pool = mkdtempSync(join(tmpdir(), 'watcher-held-'));
    try {
      const r = await runJson<{ res: { entries: number; refused: { file: string; line: number }[] }; tally: { entries: number } }>(ns, `${OPEN} await fw.ensure();
        const { NetMatcher } = await import('$dist/master/lib/net/netmatch.js');
        const { readSource } = await import('$dist/master/lib/pool/fillread.js');
        const { statSource } = await import('$dist/master/lib/pool/sources.js');
        const fs = await import('node:fs');
        const path = process.env.POOL + '/Loadfile-geo-zz';
        fs.writeFileSync(path, '# written by the test\\n');
        // Lines 2 to 5; the run that claims IPv4 holds an IPv6 network by mistake (line 3).
        const runs = [{ set: 'geo-zz', family: 4, nets: ['1.0.1.0/24', '2001:db8::/32', '1.0.2.0/23'] }, { set: 'geo-zz', family: 6, nets: ['2a00::/29'], comments: ['zz'] }];
        const never = new NetMatcher();
        const tally = { entries: 0, problems: 0, spared: 0, read: [], foreign: new Set(), held: new Map([[path, { written: statSource(path), first: 2, runs, screened: never.key }]]), white: [], fed: new Set() };
        const l = fw.loader(process.env.FLUSH);
        await readSource({ path, kind: 'loadfile', name: 'geo-zz' }, l, never, tally, () => undefined);
        const res = await l.finish();
        console.log(JSON.stringify({ res, tally }));`, { FLUSH: flush, POOL: pool });
      expect(r.tally.entries).toBe(4);
      expect(r.res.entries).toBe(3);
      expect(r.res.refused).toEqual([expect.objectContaining({ file: join(pool, 'Loadfile-geo-zz'), line: 3 })]);
      expect((await kernelNets(ns, backend, 'geo-zz')).sort()).toEqual(['1.0.1.0/24', '1.0.2.0/23', '2a00::/29']);
      expect(await kernelEntries(ns, backend, 'geo-zz', 6)).toEqual(['2a00::/29 comment "zz"']);
    } finally { rmSync(pool, { recursive: true, force: true }); rmSync(flush, { force: true }); }
  });

  it('destroy() removes Watcher\'s objects and nothing else; twice is no error', async () => {
    await ns.ok('ipset', ['create', 'admin', 'hash:ip']);
    await ns.ok('iptables', ['-A', 'INPUT', '-m', 'set', '--match-set', 'admin', 'src', '-j', 'DROP']);
    await ns.ok('nft', ['add', 'table', 'inet', 'host']);
    await ns.ok('nft', ['add', 'set', 'inet', 'host', 'blacklist', '{ type ipv4_addr; }']);
    await runJson(ns, `${OPEN} await fw.ensure(); await fw.ensureSet('nixspam'); await fw.destroy(); await fw.destroy(); console.log('{}');`);
    expect(await kernelHasWatcher(ns, backend)).toBe(false);
    expect((await ns.ok('ipset', ['list', '-n'])).trim()).toBe('admin');
    expect(await ns.ok('iptables', ['-S', 'INPUT'])).toContain('-A INPUT -m set --match-set admin src -j DROP');
    expect(await ns.ok('nft', ['list', 'set', 'inet', 'host', 'blacklist'])).toContain('set blacklist');
  });

  it('switching backends: the other backend\'s objects are removed, the new one\'s stay', async () => {
    const other = BACKENDS.find((b) => b !== backend) as Backend;
    requireBackend(other);
    await runJson(ns, `${open(other)} await fw.ensure(); const ch = fw.channel(); ch.add('custody', '192.0.2.1'); await ch.sync(); await ch.close(); console.log('{}');`);
    const r = await runJson<{ removed: string }>(ns, `${OPEN} await fw.ensure(); console.log(JSON.stringify({ removed: await destroyOtherBackend({ FIREWALL: '${backend}' }) ?? null }));`);
    expect(r.removed).toBe(other);
    expect(await kernelHasWatcher(ns, other)).toBe(false);
    expect(await kernelChain(ns, backend)).toEqual(['accept whitelist', 'drop blacklist', 'drop hijackers', 'drop custody', 'drop tarpit']);
    const again = await runJson<{ removed: string }>(ns, `${OPEN} console.log(JSON.stringify({ removed: await destroyOtherBackend({ FIREWALL: '${backend}' }) ?? null }));`);
    expect(again.removed).toBe(null);
  });
});

describe('firewall nftables only', () => {
  let ns: Netns;
  const OPEN = open('nftables');
  beforeEach(async () => {
    requireBackend('nftables');
    ns = await Netns.create();
  });
  afterEach(async () => { await ns?.destroy(); });

  it('two channels adding networks of a new prefix length make its set and rule once', async () => {
    const r = await runJson<string[]>(ns, `${OPEN} await fw.ensure();
      const a = fw.channel(); const b = fw.channel();
      a.add('custody', '198.18.0.0/20'); b.add('custody', '198.18.16.0/20'); a.add('custody', '198.18.32.0/20');
      await Promise.all([a.sync(), b.sync()]); await a.close(); await b.close();
      console.log(JSON.stringify((await fw.list('custody')).sort()));`);
    expect(r).toEqual(['198.18.0.0/20', '198.18.16.0/20', '198.18.32.0/20']);
    const chain = await ns.ok('nft', ['list', 'chain', 'inet', 'watcher', 'custody/drop']);
    expect(chain.match(/@custody\/ip\/20 drop/g)).toHaveLength(1);
  });

  it('a reload takes out the prefix sets its set no longer needs, with their rules; custody\'s stay', async () => {
    const load = (nets: string[]) => `${OPEN} await fw.ensure();
      const l = fw.loader(process.env.FLUSH);
      for (const n of ${JSON.stringify(nets)}) l.add({ set: n.startsWith('192.') ? 'custody' : 'blacklist', net: n, family: n.includes(':') ? 6 : 4 });
      await l.drain(); console.log(JSON.stringify(await l.finish()));`;
    await runJson(ns, load(['10.0.0.0/24', '10.1.0.0/16', '2001:db8::/48', '192.0.2.0/25']), { FLUSH: `/tmp/flushload-nft-${process.pid}` });
    await runJson(ns, load(['10.2.0.0/16', '10.3.0.1', '192.0.3.0/26']), { FLUSH: `/tmp/flushload-nft-${process.pid}` });
    expect(await kernelNets(ns, 'nftables', 'blacklist')).toEqual(['10.2.0.0/16', '10.3.0.1']);
    expect(await kernelNets(ns, 'nftables', 'custody')).toEqual(['192.0.2.0/25', '192.0.3.0/26']);
    const sets = JSON.parse(await ns.ok('nft', ['-t', '-j', 'list', 'sets', 'inet'])) as { nftables: { set?: { name: string } }[] };
    const names = sets.nftables.flatMap((o) => (o.set ? [o.set.name] : [])).filter((n) => /^(blacklist|custody)\//.test(n)).sort();
    expect(names).toEqual(['blacklist/ip', 'blacklist/ip/16', 'blacklist/ip6', 'custody/ip', 'custody/ip/25', 'custody/ip/26', 'custody/ip6']);
    const rules = (chain: string) => ns.ok('nft', ['list', 'chain', 'inet', 'watcher', chain]).then((t) => [...t.matchAll(/@(\S+) drop/g)].map((m) => m[1]).sort());
    expect(await rules('blacklist/drop')).toEqual(['blacklist/ip', 'blacklist/ip/16', 'blacklist/ip6']);
    expect(await rules('custody/drop')).toEqual(['custody/ip', 'custody/ip/25', 'custody/ip/26', 'custody/ip6']);
  });

  it('ensure() moves the interval sets of the older layout into prefix sets: entries, timeouts and comments kept', async () => {
    await ns.ok('nft', ['-f', '-'], { input: [
      'add table inet watcher',
      'add set inet watcher custody/net { type ipv4_addr; flags interval; }',
      'add set inet watcher tarpit/net6 { type ipv6_addr; flags interval,timeout; }',
      'add element inet watcher custody/net { 10.0.0.0/8, 192.0.2.0/24 comment "geo" }',
      'add element inet watcher tarpit/net6 { 2001:db8:1::/64 timeout 300s }',
      'add chain inet watcher custody/drop', 'add rule inet watcher custody/drop ip saddr @custody/net drop',
      'add chain inet watcher tarpit/drop', 'add rule inet watcher tarpit/drop ip6 saddr @tarpit/net6 drop',
      'add chain inet watcher input { type filter hook input priority filter - 10; policy accept; }',
      'add rule inet watcher input jump custody/drop', 'add rule inet watcher input jump tarpit/drop',
    ].join('\n') + '\n' });
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    expect(await kernelEntries(ns, 'nftables', 'custody')).toEqual(['10.0.0.0/8', '192.0.2.0/24 comment "geo"']);
    expect((await kernelEntries(ns, 'nftables', 'tarpit', 6))[0]).toMatch(/^2001:db8:1::\/64 timeout (2\d\d|300)$/);
    const sets = JSON.parse(await ns.ok('nft', ['-t', '-j', 'list', 'sets', 'inet'])) as { nftables: { set?: { name: string; flags?: string[] } }[] };
    const names = sets.nftables.flatMap((o) => (o.set ? [o.set] : []));
    expect(names.map((x) => x.name)).toEqual(expect.arrayContaining(['custody/ip/8', 'custody/ip/24', 'tarpit/ip6/64']));
    expect(names.filter((x) => /\/net6?$/.test(x.name) || x.flags?.includes('interval'))).toEqual([]);
    expect(await kernelChain(ns, 'nftables')).toEqual(['accept whitelist', 'drop blacklist', 'drop hijackers', 'drop custody', 'drop tarpit']);
    expect(await ns.ok('nft', ['list', 'chain', 'inet', 'watcher', 'custody/drop'])).toContain('ip saddr & 255.0.0.0 == @custody/ip/8 drop');
  });

  it('a set of 1,024 entries or more is made with its size, room for an eighth more; a reload that outgrows it loads whole', async () => {
    const flush = `/tmp/flushload-nft-${process.pid}-sized`;
    // n addresses of 10.x and n/2 /24 networks of 172.16-31.x (blacklist), and n of 192.0.x (custody).
    const load = (n: number, first: number) => `${OPEN} await fw.ensure();
      const l = fw.loader(process.env.FLUSH);
      const ip = (i) => [(i >> 16) & 255, (i >> 8) & 255, i & 255].join('.');
      for (let i = ${first}; i < ${first + n}; i++) l.add({ set: 'blacklist', net: '10.' + ip(i), family: 4 }, 'Loadfile-big', i + 1);
      for (let i = 0; i < ${n / 2}; i++) l.add({ set: 'blacklist', net: '172.' + (16 + (i >> 8)) + '.' + (i & 255) + '.0/24', family: 4 });
      for (let i = 0; i < ${n}; i++) l.add({ set: 'custody', net: '192.0.' + ip(i).slice(2), family: 4 });
      await l.drain(); console.log(JSON.stringify(await l.finish()));`;
    const size = async (kernel: string) => /\bsize (\d+)/.exec(await ns.ok('nft', ['-t', 'list', 'set', 'inet', 'watcher', kernel]))?.[1];
    try {
      await runJson(ns, load(2000, 0), { FLUSH: flush });
      expect(await size('blacklist/ip')).toBe('2250');
      expect(await size('blacklist/ip/24')).toBeUndefined();
      expect(await size('custody/ip')).toBeUndefined();
      // Room for an address added by hand.
      await ns.ok('nft', ['add', 'element', 'inet', 'watcher', 'blacklist/ip', '{ 10.99.0.1 }']);
      // Twice as many: more than the set was made for. All of them, and nothing of the first load.
      expect(await runJson(ns, load(4000, 100_000), { FLUSH: flush })).toMatchObject({ refused: [], kept: [] });
      expect(await size('blacklist/ip')).toBe('4500');
      expect(await size('blacklist/ip/24')).toBe('2250');
      const hosts = (await kernelNets(ns, 'nftables', 'blacklist')).filter((n) => n.startsWith('10.'));
      expect(hosts).toHaveLength(4000);
      expect(hosts).not.toContain('10.99.0.1');
      expect(hosts).not.toContain('10.0.0.0');
      expect(hosts).toContain('10.1.134.160');
      expect(await kernelNets(ns, 'nftables', 'custody')).toHaveLength(4000);
      expect(await ns.ok('nft', ['list', 'chain', 'inet', 'watcher', 'blacklist/drop'])).toContain('comment "entries 6000"');
    } finally { rmSync(flush, { force: true }); }
  });

  it('a channel\'s deletes from a set with a size, many of them of absent addresses, all apply and none is refused', async () => {
    const r = await runJson<{ error: string | null; left: number }>(ns, `${OPEN} await fw.ensure();
      const ip = (i) => '10.0.' + (i >> 8) + '.' + (i & 255);
      const l = fw.loader(process.env.FLUSH);
      for (let i = 0; i < 1100; i++) l.add({ set: 'blacklist', net: ip(i), family: 4 });
      await l.finish();
      // freeme of 400 addresses in one round: 200 loaded, 200 never were (a delete of many adds them first).
      const ch = fw.channel(); let error = null;
      for (let i = 900; i < 1300; i++) ch.del('blacklist', ip(i));
      try { await ch.sync(); } catch (e) { error = e.message; }
      await ch.close();
      console.log(JSON.stringify({ error, left: (await fw.list('blacklist')).length }));`, { FLUSH: `/tmp/flushload-nft-${process.pid}-del` });
    expect(/\bsize (\d+)/.exec(await ns.ok('nft', ['-t', 'list', 'set', 'inet', 'watcher', 'blacklist/ip']))?.[1]).toBe('1238');
    expect(r).toEqual({ error: null, left: 900 });
    rmSync(`/tmp/flushload-nft-${process.pid}-del`, { force: true });
  });

  it('a set a rule of the administrator\'s names in Watcher\'s table cannot be made again: it keeps what it had, with nft\'s reason; the rest loads', async () => {
    const flush = `/tmp/flushload-nft-${process.pid}-busy`;
    const load = (nets: string[]) => `${OPEN} await fw.ensure();
      const l = fw.loader(process.env.FLUSH);
      for (const n of ${JSON.stringify(nets)}) l.add({ set: n.startsWith('198.') ? 'hijackers' : 'blacklist', net: n, family: 4 }, 'Loadfile-x', 1);
      await l.drain(); console.log(JSON.stringify(await l.finish()));`;
    try {
      await runJson(ns, load(['203.0.113.1', '198.51.100.1']), { FLUSH: flush });
      await ns.ok('nft', ['add chain inet watcher mine; add rule inet watcher mine ip saddr @blacklist/ip counter']);
      const r = await runJson<{ replaced: string[]; kept: { set: string; reason: string }[] }>(ns, load(['203.0.113.2', '198.51.100.2']), { FLUSH: flush });
      expect(r.kept).toEqual([{ set: 'blacklist', reason: expect.stringMatching(/^Could not process rule: Device or resource busy \(.*"delete set inet watcher blacklist\/ip"\)$/) }]);
      expect(r.replaced).toEqual(['hijackers']);
      expect(await kernelNets(ns, 'nftables', 'blacklist')).toEqual(['203.0.113.1']);
      expect(await kernelNets(ns, 'nftables', 'hijackers')).toEqual(['198.51.100.2']);
      expect(await ns.ok('nft', ['list', 'chain', 'inet', 'watcher', 'blacklist/drop'])).toContain('comment "entries 1"');
    } finally { rmSync(flush, { force: true }); }
  });

  it('a refused line that was all of a define leaves the define and its use out; the rest loads', async () => {
    const flush = `/tmp/flushload-nft-${process.pid}-define`;
    try {
      const r = await runJson<{ res: { entries: number; refused: { file: string; line: number }[]; kept: unknown[] }; flush: string }>(ns, `${OPEN} await fw.ensure();
        const l = fw.loader(process.env.FLUSH);
        // An IPv6 network handed over as IPv4 by mistake: the only entry of blacklist's address set.
        l.add({ set: 'blacklist', net: '2001:db8::/32', family: 4 }, 'Loadfile-x', 1);
        l.add({ set: 'blacklist', net: '198.51.100.0/24', family: 4 }, 'Loadfile-x', 2);
        l.add({ set: 'blacklist', net: '2001:db8:1::', family: 6 }, 'Loadfile-x', 3);
        await l.drain(); const res = await l.finish();
        console.log(JSON.stringify({ res, flush: (await import('node:fs')).readFileSync(process.env.FLUSH, 'utf8') }));`, { FLUSH: flush });
      expect(r.res).toMatchObject({ entries: 2, refused: [{ file: 'Loadfile-x', line: 1 }], kept: [] });
      expect(await kernelNets(ns, 'nftables', 'blacklist')).toEqual(['198.51.100.0/24', '2001:db8:1::']);
      expect(r.flush).toMatch(/^# define w\d+ = \{$/m);
      expect(r.flush).toMatch(/^# add element inet watcher blacklist\/ip \{ \$w\d+ \}$/m);
    } finally { rmSync(flush, { force: true }); }
  });

  it('a set of Watcher\'s table made by hand with another type stops the load with nft\'s reason; nothing changes', async () => {
    await ns.ok('nft', ['add', 'table', 'inet', 'watcher']);
    await ns.ok('nft', ['add', 'set', 'inet', 'watcher', 'dyn/ip', '{ type ipv6_addr; }']);
    await ns.ok('nft', ['add', 'element', 'inet', 'watcher', 'dyn/ip', '{ 2001:db8::5 }']);
    const r = await runScript(ns, `${OPEN} await fw.ensure();
      const ch = fw.channel(); ch.add('blacklist', '192.0.2.1'); await ch.sync(); await ch.close();
      const l = fw.loader(process.env.FLUSH);
      l.add({ set: 'dyn', net: '203.0.113.1', family: 4 }, 'Loadfile-dyn', 1);
      l.add({ set: 'blacklist', net: '203.0.113.2', family: 4 }, 'blacklist', 1);
      try { await l.finish(); console.log('loaded'); } catch (e) { console.log(e.exitCode, e.message); }`, { FLUSH: `/tmp/flushload-nft-${process.pid}` });
    expect(r.stdout).toMatch(/dyn\/ip/);
    expect(r.stdout).not.toContain('loaded');
    expect(await kernelNets(ns, 'nftables', 'blacklist')).toEqual(['192.0.2.1']);
    expect(await ns.ok('nft', ['list', 'set', 'inet', 'watcher', 'dyn/ip'])).toContain('2001:db8::5');
  });
});
