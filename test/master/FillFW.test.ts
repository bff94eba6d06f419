// FillFW and Blacklist/Whitelist on the real kernel netfilter in a private namespace.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import type { Installation } from '../helpers/install.js';
import type { Netns } from '../helpers/netns.js';
import { makeMasterSandbox, runMaster } from '../helpers/master.js';
import { BACKENDS, firewallLine, kernelAdd, kernelChain, kernelEntries, replacesLine, requireBackend, type Backend } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The restore tools (nft, ipset) running in the namespace, as `pid comm`. */
function restoreTools(ns: Netns): string[] {
  const net = readlinkSync(`/proc/${ns.pid}/ns/net`);
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      return ['nft', 'ipset', 'setpriv'].includes(comm) && readlinkSync(`/proc/${p}/ns/net`) === net ? [`${p} ${comm}`] : [];
    } catch { return []; }
  });
}

describe.each(BACKENDS)('FillFW (%s)', (backend: Backend) => {
  let ns: Netns;
  let inst: Installation;
  // A set's entries as the backend's own tool lists them; `-v6` names the IPv6 half.
  const save = (n: Netns, set: string) => kernelEntries(n, backend, set.replace(/-v6$/, ''), set.endsWith('-v6') ? 6 : 4);
  beforeEach(async () => {
    requireBackend(backend);
    ({ ns, inst } = await makeMasterSandbox());
    inst.write('watcher.conf', firewallLine(backend));
  });
  afterEach(async () => { await ns?.destroy(); inst?.remove(); });

  it('loads good lines, reports each bad one with file:line and skips it, spares whitelisted entries', async () => {
    inst.write('whitelist', '# mine\n  192.0.2.0/24   # office\n2001:db8:1::/48\n');
    inst.write('blacklist', '\t# section\n198.51.100.0/24  # spammers\n192.0.2.77\nnot-an-address\n2001:db8:1::5\n');
    const lf = inst.write('Loadfiles/Loadfile-nixspam', [
      'add nixspam 203.0.113.1', 'add nixspam 203.0.113.0/33', 'add nixspam host.example.com', 'add nixspam 1.2.3.4;reboot',
      'add nixspam 203.0.113.2\r', 'add nixspam 203.0.113.2', 'add nixspam 10.0.0.0/8', 'add nixspam 10.1.0.0/16',
      'add nixspam 2001:db8:2::/64', 'add nixspam 192.0.2.0/25', 'add custody 100.64.0.1', 'add tarpit 100.64.0.2 timeout 600', ''].join('\n'));
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.exitCode).toBe(0);
    const err = r.stderr.split('\n');
    expect(err).toContain(`FillFW: ${lf}:2: '203.0.113.0/33' is not an IPv4/IPv6 address or CIDR: "add nixspam 203.0.113.0/33" skipped`);
    expect(err).toContain(`FillFW: ${lf}:3: 'host.example.com' is not an IPv4/IPv6 address or CIDR: "add nixspam host.example.com" skipped`);
    expect(err).toContain(`FillFW: ${lf}:4: '1.2.3.4;reboot' is not an IPv4/IPv6 address or CIDR: "add nixspam 1.2.3.4;reboot" skipped`);
    expect(err).toContain(`FillFW: ${lf}:10: 192.0.2.0/25 is whitelisted or this machine's own address: not dropped`);
    expect(err).toContain(`FillFW: ${join(inst.root, 'blacklist')}:3: 192.0.2.77 is whitelisted or this machine's own address: not dropped`);
    expect(err).toContain(`FillFW: ${join(inst.root, 'blacklist')}:4: not an IPv4/IPv6 address or CIDR: "not-an-address" skipped`);
    // 10.1.0.0/16 lies inside 10.0.0.0/8: both backends keep both (hash:net, a hash set per prefix length).
    expect(await save(ns, 'nixspam')).toEqual(['10.0.0.0/8', '10.1.0.0/16', '203.0.113.1', '203.0.113.2']);
    expect(await save(ns, 'nixspam-v6')).toEqual(['2001:db8:2::/64']);
    expect(await save(ns, 'blacklist')).toEqual(['198.51.100.0/24']);
    expect(await save(ns, 'whitelist')).toEqual(['192.0.2.0/24']);
    expect(await save(ns, 'whitelist-v6')).toEqual(['2001:db8:1::/48']);
    expect(await save(ns, 'custody')).toEqual(['100.64.0.1']);
    expect((await save(ns, 'tarpit'))[0]).toMatch(/^100\.64\.0\.2 timeout (59\d|600)$/);
    // The live sets' entries came before the chain was made: its order is still the standard one.
    expect(await kernelChain(ns, backend)).toEqual(['accept whitelist', 'drop blacklist', 'drop hijackers', 'drop custody', 'drop tarpit', 'drop nixspam']);
    expect(r.stdout).toMatch(/^Took \d+\.\d{6} seconds\nfor 8 total firewall drops/);
    expect(r.stdout).toMatch(/^Took \d+\.\d{6} seconds\nfor \d total firewall drops\nLoadrate: \d+ DROPs per second$/);
    const flush = join(inst.root, 'Loadfiles/Flushload');
    expect(readFileSync(flush, 'utf8')).toContain(replacesLine(backend, 'nixspam'));
    expect(statSync(flush).mode & 0o777).toBe(0o600);
  });

  it('counts a live set no source feeds as the kernel holds it, and one a Loadfile feeds with what it was given', async () => {
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.1\n');
    expect((await runMaster(ns, inst, 'FillFW')).exitCode).toBe(0);
    // A module's live adds: custody is read back while the load runs (no source names it).
    await kernelAdd(ns, backend, 'custody', '100.64.0.9');
    await kernelAdd(ns, backend, 'custody', '100.64.0.10');
    inst.write('Loadfiles/Loadfile-WatchLG', 'add tarpit 100.64.0.2 timeout 600\nadd tarpit 100.64.0.3 timeout 600\nadd tarpit 100.64.0.4 timeout 600\n');
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Took \d+\.\d{6} seconds\nfor 6 total firewall drops\n/);
    expect(await save(ns, 'custody')).toEqual(['100.64.0.10', '100.64.0.9']);
    // The first load's Flushload was set aside and removed in the background, not left behind.
    expect(readdirSync(join(inst.root, 'Loadfiles')).filter((f) => f.includes('Flushload'))).toEqual(['Flushload']);
  });

  it('keeps a set whose Loadfile came back empty, and a reload rebuilds only the changed sets', async () => {
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.1\nadd nixspam 203.0.113.2\n');
    inst.write('Loadfiles/Loadfile-spamhaus', 'add hijackers 198.51.100.0/24\n');
    expect((await runMaster(ns, inst, 'FillFW')).exitCode).toBe(0);
    inst.write('Loadfiles/Loadfile-nixspam', '# nothing today\n');
    const r = await runMaster(ns, inst, 'watcher', ['reload']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`Loadfile-nixspam: no entries; set nixspam keeps its 2 entries`);
    expect(await save(ns, 'nixspam')).toEqual(['203.0.113.1', '203.0.113.2']);
    inst.write('Loadfiles/Loadfile-spamhaus', 'add hijackers 198.51.100.0/24\nadd hijackers 100.64.0.0/10\n');
    await kernelAdd(ns, backend, 'nixspam', '10.9.9.9'); // a reload that does not rebuild nixspam leaves this alone
    const r2 = await runMaster(ns, inst, 'watcher', ['reload']);
    expect(r2.exitCode).toBe(0);
    expect(await save(ns, 'hijackers')).toEqual(['100.64.0.0/10', '198.51.100.0/24']);
    expect(await save(ns, 'nixspam')).toEqual(['10.9.9.9', '203.0.113.1', '203.0.113.2']);
    const flush = readFileSync(join(inst.root, 'Loadfiles/Flushload'), 'utf8');
    expect(flush).toContain(replacesLine(backend, 'hijackers'));
    expect(flush).not.toContain(replacesLine(backend, 'nixspam'));
    expect(flush).not.toMatch(/^add (element inet watcher )?nixspam/m);
    // A full FillFW names every set again.
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.9\n');
    expect((await runMaster(ns, inst, 'FillFW')).exitCode).toBe(0);
    expect(await save(ns, 'nixspam')).toEqual(['203.0.113.9']);
  });

  it('Blacklist and Whitelist refresh their set alone; an emptied list empties it', async () => {
    inst.write('blacklist', '198.51.100.7\n');
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.1\n');
    expect((await runMaster(ns, inst, 'FillFW')).exitCode).toBe(0);
    await kernelAdd(ns, backend, 'nixspam', '10.9.9.9');
    inst.write('blacklist', '198.51.100.8\n198.51.100.9 # second\n');
    const r = await runMaster(ns, inst, 'Blacklist');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'Set blacklist: 2 entries' });
    expect(await save(ns, 'blacklist')).toEqual(['198.51.100.8', '198.51.100.9']);
    expect(await save(ns, 'nixspam')).toEqual(['10.9.9.9', '203.0.113.1']);
    inst.write('whitelist', '192.0.2.1\n');
    expect((await runMaster(ns, inst, 'Whitelist')).stdout).toBe('Set whitelist: 1 entries');
    inst.write('whitelist', '');
    expect((await runMaster(ns, inst, 'Whitelist')).stdout).toBe('Set whitelist: 0 entries');
    expect(await save(ns, 'whitelist')).toEqual([]);
  });

  it('ignores files being written into the pool (.tmp) and backups (~)', async () => {
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.1\n');
    inst.write('Loadfiles/Loadfile-nixspam.4242.tmp', 'add nixspam 203.0.113.2\nadd nix');
    inst.write('Loadfiles/.Loadfile-nixspam.4243.tmp', 'add nixspam 203.0.113.3\n');
    inst.write('Loadfiles/Loadfile-nixspam~', 'add nixspam 203.0.113.4\n');
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.stderr).toBe('');
    expect(await save(ns, 'nixspam')).toEqual(['203.0.113.1']);
  });

  it('killed in the middle of its load (SIGKILL), changes no set and leaves no restore tool running; the next load takes the pool', async () => {
    const nets = (n: number, a: number) => Array.from({ length: n }, (_, i) => `${a}.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    const before = nets(1000, 20);
    inst.write('Loadfiles/Loadfile-nixspam', before.map((e) => `add nixspam ${e}\n`).join(''));
    expect((await runMaster(ns, inst, 'FillFW')).exitCode).toBe(0);
    const after = nets(400_000, 30);
    inst.write('Loadfiles/Loadfile-nixspam', after.map((e) => `add nixspam ${e}\n`).join(''));
    const [nsenter, ...rest] = ns.prefix();
    // nsenter runs FillFW in its own place: its pid is FillFW's.
    const fill = execa(nsenter, [...rest, process.execPath, join(inst.root, 'master/FillFW')], { env: { ...process.env, ...inst.env }, extendEnv: false, reject: false });
    const flush = join(inst.root, 'Loadfiles/Flushload');
    const size = () => { try { return statSync(flush).size; } catch { return 0; } };
    for (let i = 0; i < 1000 && size() < 512 * 1024; i++) await sleep(5);
    expect(size()).toBeGreaterThanOrEqual(512 * 1024);
    fill.kill('SIGKILL');
    expect((await fill).signal).toBe('SIGKILL');
    // The restore tool (nft, ipset) in the namespace ends with the load: nothing is applied.
    let left = restoreTools(ns);
    for (let i = 0; i < 100 && left.length; i++) { await sleep(50); left = restoreTools(ns); }
    expect(left).toEqual([]);
    expect(await save(ns, 'nixspam')).toEqual([...before].sort());
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.exitCode).toBe(0);
    expect(await save(ns, 'nixspam')).toHaveLength(after.length);
  }, 60_000);

  it('finds ipset and iptables in the system directories with cron\'s PATH', async () => {
    inst.write('blacklist', '198.51.100.8\n');
    const r = await runMaster(ns, inst, 'FillFW', [], { PATH: '/usr/bin:/bin' });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await save(ns, 'blacklist')).toEqual(['198.51.100.8']);
  });
});

describe('FillFW (nftables only)', () => {
  let ns: Netns;
  let inst: Installation;
  beforeEach(async () => {
    requireBackend('nftables');
    ({ ns, inst } = await makeMasterSandbox());
    inst.write('watcher.conf', firewallLine('nftables'));
  });
  afterEach(async () => { await ns?.destroy(); inst?.remove(); });

  it('a line the kernel refuses is skipped with its Loadfile line, the rest loads: nft, reading a FIFO, is not left waiting to show the line', async () => {
    // custody made by hand for two elements at most (a load only adds to it): the kernel refuses a third.
    await ns.ok('nft', ['add table inet watcher']);
    await ns.ok('nft', ['add set inet watcher custody/ip { type ipv4_addr; size 2; }']);
    const lf = inst.write('Loadfiles/Loadfile-held', 'add custody 203.0.113.1\nadd custody 203.0.113.2\nadd custody 203.0.113.3\n');
    inst.write('Loadfiles/Loadfile-spamhaus', 'add hijackers 198.51.100.0/24\n');
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(`FillFW: ${lf}:3: refused by nft: Could not process rule: Too many open files in system: skipped`);
    expect(await kernelEntries(ns, 'nftables', 'custody')).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(await kernelEntries(ns, 'nftables', 'hijackers')).toEqual(['198.51.100.0/24']);
    expect(restoreTools(ns)).toEqual([]);
  }, 30_000);
});

describe('FillFW (iptables + ipset only)', () => {
  let ns: Netns;
  let inst: Installation;
  const save = (n: Netns, set: string) => kernelEntries(n, 'iptables', set.replace(/-v6$/, ''), set.endsWith('-v6') ? 6 : 4);
  beforeEach(async () => {
    ({ ns, inst } = await makeMasterSandbox());
  });
  afterEach(async () => { await ns?.destroy(); inst?.remove(); });

  it('adopts the sets an older installation\'s chain names, even made with other options', async () => {
    await ns.ok('ipset', ['create', 'blacklist', 'hash:net']);
    await ns.ok('ipset', ['create', 'nixspam', 'hash:net', 'maxelem', '1000']);
    await kernelAdd(ns, 'iptables', 'nixspam', '10.9.9.9');
    await ns.ok('iptables', ['-N', 'WATCHER']);
    for (const set of ['blacklist', 'nixspam']) await ns.ok('iptables', ['-A', 'WATCHER', '-m', 'set', '--match-set', set, 'src', '-j', 'DROP']);
    await ns.ok('iptables', ['-I', 'INPUT', '-j', 'WATCHER']);
    inst.write('blacklist', '198.51.100.7\n');
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.1\n');
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.stderr).toBe('');
    expect(await save(ns, 'blacklist')).toEqual(['198.51.100.7']);
    expect(await save(ns, 'nixspam')).toEqual(['203.0.113.1']);
    expect(await ns.ok('iptables', ['-S', 'WATCHER'])).toContain('-A WATCHER -m set --match-set nixspam src -j DROP');
    expect((await ns.ok('ipset', ['list', 'watcher-sets'])).split('Members:\n')[1].split('\n')).toEqual(expect.arrayContaining(['blacklist', 'nixspam', 'custody-v6']));
  });

  it('refuses with file:line a Loadfile that names an ipset of another program, and never touches that set', async () => {
    await ns.ok('ipset', ['create', 'admin', 'hash:ip']);
    await ns.ok('ipset', ['add', 'admin', '10.7.7.7']);
    const lf = inst.write('Loadfiles/Loadfile-evil', 'add evil 203.0.113.9\nadd admin 203.0.113.1\nadd admin 203.0.113.2\nadd watcher-own 203.0.113.3\n');
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.exitCode).toBe(0);
    const err = r.stderr.split('\n');
    expect(err).toContain(`FillFW: ${lf}:2: set 'admin' is not Watcher's (an ipset of another program, or one Watcher keeps for itself): refused`);
    expect(err).toContain(`FillFW: ${lf}: 1 more lines for set 'admin' refused`);
    expect(err).toContain(`FillFW: ${lf}:4: set 'watcher-own' is not Watcher's (an ipset of another program, or one Watcher keeps for itself): refused`);
    expect(await save(ns, 'admin')).toEqual(['10.7.7.7']);
    expect(await save(ns, 'evil')).toEqual(['203.0.113.9']);
    expect(await ns.ok('iptables', ['-S', 'WATCHER'])).not.toContain('admin');
  });

  it('stops (exit 78) when a standard set exists and is another program\'s: it is not taken over', async () => {
    await ns.ok('ipset', ['create', 'hijackers', 'hash:ip']);
    inst.write('Loadfiles/Loadfile-drop', 'add drop 203.0.113.9\nadd drop 2001:db8::9\n');
    const r = await runMaster(ns, inst, 'FillFW');
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain("FillFW: ipset 'hijackers' exists and is not Watcher's (not in watcher-sets): destroy or rename it, or hand it over with 'ipset add watcher-sets NAME'");
    expect(await ns.ok('ipset', ['list', '-t', 'hijackers'])).toContain('Type: hash:ip');
    expect(await ns.exec('iptables', ['-S', 'WATCHER']).then((x) => String(x.stdout))).not.toContain('hijackers');
    // The chain is made beside the reading: the copies the reading had begun are gone with the load.
    expect((await ns.ok('ipset', ['list', '-n'])).split('\n').filter((n) => n.startsWith('drop'))).toEqual([]);
  });

  it('exits 69 naming ipset or iptables when one is missing', async () => {
    const r = await runMaster(ns, inst, 'FillFW', [], {}, ['ipset']);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toMatch(/^FillFW: ipset: program not found/m);
    const r2 = await runMaster(ns, inst, 'FillFW', [], {}, ['iptables']);
    expect(r2.exitCode).toBe(69);
    expect(r2.stderr).toMatch(/^FillFW: iptables: program not found/m);
  });

  it('with FIREWALL=nftables exits 69 naming nft when it is missing', async () => {
    inst.write('watcher.conf', firewallLine('nftables'));
    inst.write('blacklist', '198.51.100.8\n');
    const r = await runMaster(ns, inst, 'FillFW', [], {}, ['nft']);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toMatch(/^FillFW: nft: program not found/m);
  });
});
