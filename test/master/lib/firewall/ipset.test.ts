// The iptables + ipset backend on the real kernel netfilter, inside a private namespace.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Netns, requireTools } from '../../../helpers/netns.js';
import { runJson, runScript } from '../../../helpers/script.js';

const OPEN = `import { openFirewall } from '$dist/master/lib/firewall/index.js';
import { execFileSync } from 'node:child_process';
const fw = openFirewall({ FIREWALL: 'iptables' });
const sh = (cmd, ...args) => execFileSync(cmd, args, { encoding: 'utf8' });
`;

describe('iptables + ipset firewall', () => {
  let ns: Netns;
  beforeEach(async () => {
    requireTools(['ipset', 'iptables', 'ip6tables']);
    ns = await Netns.create();
  });
  afterEach(async () => { await ns?.destroy(); });

  it('ensure() builds the chain: jump first in INPUT, loopback and own addresses, whitelist ACCEPT, a DROP per set, both families; twice changes nothing', async () => {
    await ns.ok('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    const v4 = await ns.ok('iptables', ['-S']);
    expect(v4).toContain([
      '-A INPUT -j WATCHER',
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      '-A WATCHER -i lo -j RETURN',
      '-A WATCHER -m set --match-set watcher-own src -j RETURN',
      '-A WATCHER -m set --match-set whitelist src -j ACCEPT',
      '-A WATCHER -m set --match-set blacklist src -j DROP',
      '-A WATCHER -m set --match-set hijackers src -j DROP',
      '-A WATCHER -m set --match-set custody src -j DROP',
      '-A WATCHER -m set --match-set tarpit src -j DROP',
    ].join('\n'));
    const v6 = await ns.ok('ip6tables', ['-S', 'WATCHER']);
    expect(v6).toContain('-A WATCHER -i lo -j RETURN\n-A WATCHER -m set --match-set watcher-own-v6 src -j RETURN\n-A WATCHER -m set --match-set whitelist-v6 src -j ACCEPT\n-A WATCHER -m set --match-set blacklist-v6 src -j DROP');
    expect(await ns.ok('ip6tables', ['-S', 'INPUT'])).toContain('-A INPUT -j WATCHER');
    const sets = (await ns.ok('ipset', ['list', '-n'])).split('\n').sort();
    expect(sets).toEqual(['blacklist', 'blacklist-v6', 'custody', 'custody-v6', 'hijackers', 'hijackers-v6', 'tarpit', 'tarpit-v6', 'watcher-own', 'watcher-own-v6', 'watcher-sets', 'whitelist', 'whitelist-v6']);
    expect(await ns.ok('ipset', ['list', '-t', 'tarpit'])).toMatch(/Type: hash:ip\n[^]*family inet .*timeout 0/);
    expect(await ns.ok('ipset', ['list', '-t', 'custody-v6'])).toMatch(/Type: hash:net\n[^]*family inet6/);
    const before = (await ns.ok('iptables', ['-S'])) + (await ns.ok('ip6tables', ['-S']));
    await runJson(ns, `${OPEN} await fw.ensure(); await fw.ensure(); console.log('{}');`);
    expect((await ns.ok('iptables', ['-S'])) + (await ns.ok('ip6tables', ['-S']))).toBe(before);
  });

  it('ensureSet() adds a dynloader set with its DROP at the end; the whitelist stays first', async () => {
    const r = await runJson<string[]>(ns, `${OPEN} await fw.ensure(); await fw.ensureSet('nixspam'); await fw.ensureSet('nixspam');
      console.log(JSON.stringify(await fw.sets()));`);
    expect(r.sort()).toEqual(['blacklist', 'custody', 'hijackers', 'nixspam', 'tarpit', 'whitelist']);
    const rules = (await ns.ok('iptables', ['-S', 'WATCHER'])).trim().split('\n');
    expect(rules[3]).toBe('-A WATCHER -m set --match-set whitelist src -j ACCEPT');
    expect(rules.at(-1)).toBe('-A WATCHER -m set --match-set nixspam src -j DROP');
    expect(rules.filter((l) => l.includes('nixspam'))).toHaveLength(1);
    expect((await ns.ok('ip6tables', ['-S', 'WATCHER'])).trim().split('\n').at(-1)).toBe('-A WATCHER -m set --match-set nixspam-v6 src -j DROP');
    const bad = await runScript(ns, `${OPEN} try { await fw.ensureSet('bad;name'); } catch (e) { console.log(e.exitCode, e.message); }`);
    expect(bad.stdout).toMatch(/^65 'bad;name' is not a valid set name/);
  });

  it('channel: adds and deletes of both families are in the kernel when sync() resolves; a bad add does not end it', async () => {
    const r = await runJson<Record<string, unknown>>(ns, `${OPEN} await fw.ensure();
      const ch = fw.channel();
      ch.add('custody', '192.0.2.7'); ch.add('custody', '2001:db8::/64'); ch.add('tarpit', '198.51.100.9', 120);
      ch.add('custody', '203.0.113.0/24'); ch.del('custody', '203.0.113.0/24');
      await ch.sync();
      const first = sh('ipset', 'save');
      ch.add('custody', '1.2.3.4;reboot'); ch.add('custody', '10.0.0.1', 60); ch.add('nosuchset', '10.0.0.2');
      let err = ''; try { await ch.sync(); } catch (e) { err = e.message; }
      ch.add('custody', '192.0.2.8'); await ch.sync();
      const pids = sh('pgrep', '-c', '-x', '-P', String(process.pid), 'ipset').trim();
      await ch.close();
      console.log(JSON.stringify({ first, err, after: sh('ipset', 'save', 'custody'), pids, custody: await fw.list('custody'), counts: Object.fromEntries(await fw.counts()) }));`);
    const first = r.first as string;
    expect(first).toMatch(/^add custody 192\.0\.2\.7$/m);
    expect(first).toMatch(/^add custody-v6 2001:db8::\/64$/m);
    expect(first).toMatch(/^add tarpit 198\.51\.100\.9 timeout 1[12]\d$/m);
    expect(first).not.toMatch(/203\.0\.113/);
    expect(r.err).toMatch(/add custody 1\.2\.3\.4;reboot: not an IPv4\/IPv6 address or CIDR/);
    expect(r.err).toMatch(/timeout/i);
    expect(r.err).toMatch(/does not exist/);
    expect(r.after).toMatch(/^add custody 192\.0\.2\.8$/m);
    expect(r.pids).toBe('1');
    expect((r.custody as string[]).sort()).toEqual(['192.0.2.7', '192.0.2.8', '2001:db8::/64']);
    expect(r.counts).toEqual({ whitelist: 0, blacklist: 0, hijackers: 0, custody: 3, tarpit: 1 });
  });

  it('channel: an ipset process that died is started again on the next write', async () => {
    const r = await runJson<Record<string, unknown>>(ns, `${OPEN} await fw.ensure();
      const { readdirSync, readFileSync } = await import('node:fs');
      const children = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
        try { const st = readFileSync('/proc/' + p + '/stat', 'utf8'); return st.includes('(ipset)') && st.split(') ')[1].split(' ')[1] === String(process.pid); } catch { return false; }
      });
      const ch = fw.channel(); ch.add('custody', '192.0.2.1'); await ch.sync();
      const [first] = children();
      process.kill(Number(first), 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      ch.add('custody', '192.0.2.2'); await ch.sync();
      const [second] = children();
      await ch.close();
      console.log(JSON.stringify({ first, second, custody: (await fw.list('custody')).sort() }));`);
    expect(r.first).toBeTruthy();
    expect(r.second).toBeTruthy();
    expect(r.second).not.toBe(r.first);
    expect(r.custody).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('a loader builds replaced sets beside the live ones and swaps them in; live sets only get adds', async () => {
    const r = await runJson<Record<string, unknown>>(ns, `${OPEN} await fw.ensure();
      await fw.ensureSet('nixspam');
      const ch = fw.channel(); ch.add('blacklist', '10.9.9.9'); ch.add('custody', '192.0.2.1'); ch.add('nixspam', '10.8.8.8');
      await ch.sync(); await ch.close();
      const l = fw.loader(process.env.FLUSH);
      l.add({ set: 'blacklist', net: '10.1.0.0/16', family: 4, comment: 'a net' });
      l.add({ set: 'blacklist', net: '2001:db8::/32', family: 6 });
      l.add({ set: 'custody', net: '192.0.2.2', family: 4 });
      l.add({ set: 'geo-cn', net: '1.0.1.0/24', family: 4 });
      await l.drain();
      const res = await l.finish(['whitelist']);
      console.log(JSON.stringify({ res, save: sh('ipset', 'save'), flush: (await import('node:fs')).readFileSync(process.env.FLUSH, 'utf8'),
        mode: ((await import('node:fs')).statSync(process.env.FLUSH).mode & 0o777).toString(8), names: sh('ipset', 'list', '-n') }));`,
    { FLUSH: `/tmp/flushload-test-${process.pid}` });
    const save = r.save as string;
    expect(save).toMatch(/^add blacklist 10\.1\.0\.0\/16 comment "a net"$/m);
    expect(save).not.toMatch(/10\.9\.9\.9/);
    expect(save).toMatch(/^add blacklist-v6 2001:db8::\/32$/m);
    expect(save).toMatch(/^add custody 192\.0\.2\.1$/m);
    expect(save).toMatch(/^add custody 192\.0\.2\.2$/m);
    expect(save).toMatch(/^add nixspam 10\.8\.8\.8$/m);
    expect(save).toMatch(/^add geo-cn 1\.0\.1\.0\/24$/m);
    expect(r.names).not.toMatch(/-new/);
    expect(r.res).toEqual({ entries: 4, replaced: ['blacklist', 'geo-cn', 'whitelist'], added: ['custody'], refused: [], kept: [] });
    expect(r.flush).toContain('add blacklist-new 10.1.0.0/16 comment "a net"\n');
    expect(r.flush).toContain('swap blacklist-new blacklist\ndestroy blacklist-new\n');
    expect(r.mode).toBe('600');
    expect((await ns.ok('iptables', ['-S', 'WATCHER'])).trim().split('\n').at(-1)).toBe('-A WATCHER -m set --match-set geo-cn src -j DROP');
  });

  it('ensure() moves the INPUT jump back to the top and restores the head of the chain', async () => {
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    await ns.ok('iptables', ['-I', 'INPUT', '1', '-p', 'tcp', '--dport', '25', '-j', 'ACCEPT']);
    await ns.ok('ip6tables', ['-I', 'INPUT', '1', '-p', 'tcp', '--dport', '25', '-j', 'ACCEPT']);
    await ns.ok('iptables', ['-D', 'WATCHER', '-i', 'lo', '-j', 'RETURN']);
    await ns.ok('iptables', ['-A', 'INPUT', '-j', 'WATCHER']);
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    for (const bin of ['iptables', 'ip6tables']) {
      const input = (await ns.ok(bin, ['-S', 'INPUT'])).trim().split('\n');
      expect(input[1]).toBe('-A INPUT -j WATCHER');
      expect(input.filter((l) => l === '-A INPUT -j WATCHER')).toHaveLength(1);
      expect(input).toContain('-A INPUT -p tcp -m tcp --dport 25 -j ACCEPT');
    }
    const rules = (await ns.ok('iptables', ['-S', 'WATCHER'])).trim().split('\n');
    expect(rules.slice(1, 4)).toEqual(['-A WATCHER -i lo -j RETURN', '-A WATCHER -m set --match-set watcher-own src -j RETURN', '-A WATCHER -m set --match-set whitelist src -j ACCEPT']);
    expect(rules.filter((l) => l.includes('-i lo'))).toHaveLength(1);
  });

  it('ensure() refreshes the own set from the current addresses of the machine', async () => {
    await ns.ok('ip', ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    await ns.ok('ip', ['link', 'set', 'd1', 'up']);
    await ns.ok('ip', ['addr', 'add', '192.0.2.10/24', 'dev', 'd0']);
    await ns.ok('ip', ['-6', 'addr', 'add', '2001:db8::10/64', 'dev', 'd0', 'nodad']);
    await ns.ok('ip', ['link', 'set', 'd0', 'up']);
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    const own = async () => (await ns.ok('ipset', ['save'])).split('\n').filter((l) => /^add watcher-own(-v6)? /.test(l)).map((l) => l.split(' ')[2]).sort();
    expect(await own()).toEqual(expect.arrayContaining(['127.0.0.0/8', '192.0.2.10', '2001:db8::10', '::1']));
    await ns.ok('ip', ['addr', 'del', '192.0.2.10/24', 'dev', 'd0']);
    await ns.ok('ip', ['addr', 'add', '192.0.2.11/24', 'dev', 'd0']);
    await runJson(ns, `${OPEN} await fw.ensure(); console.log('{}');`);
    expect(await own()).toContain('192.0.2.11');
    expect(await own()).not.toContain('192.0.2.10');
  });

  it('destroy() keeps (emptied) a set that another program\'s rule uses, and says which and why', async () => {
    const r = await runScript(ns, `${OPEN} await fw.ensure(); const ch = fw.channel(); ch.add('custody', '192.0.2.1'); await ch.sync(); await ch.close();
      sh('iptables', '-A', 'FORWARD', '-m', 'set', '--match-set', 'custody', 'src', '-j', 'DROP');
      try { await fw.destroy(); console.log('destroyed'); } catch (e) { console.log(e.message); }
      await fw.ensure(); console.log(JSON.stringify(await fw.sets()));`);
    expect(r.stdout).toMatch(/^cannot destroy custody: Set cannot be destroyed: it is in use by a kernel component \(emptied; it stays Watcher's and is reused\)$/m);
    expect((await ns.ok('ipset', ['list', '-n'])).split('\n').sort()).toEqual(expect.arrayContaining(['custody', 'watcher-sets']));
    expect(await ns.ok('ipset', ['list', 'custody'])).toMatch(/Number of entries: 0/);
    expect(await ns.ok('iptables', ['-S', 'WATCHER'])).toContain('--match-set custody src -j DROP');
  });

  it('destroy() removes the chain, the jumps and Watcher\'s sets, and nothing else', async () => {
    await ns.ok('ipset', ['create', 'admin', 'hash:ip']);
    await ns.ok('iptables', ['-A', 'INPUT', '-m', 'set', '--match-set', 'admin', 'src', '-j', 'DROP']);
    await runJson(ns, `${OPEN} await fw.ensure(); await fw.ensureSet('nixspam'); await fw.destroy(); await fw.destroy(); console.log('{}');`);
    expect((await ns.ok('ipset', ['list', '-n'])).trim()).toBe('admin');
    expect((await ns.ok('iptables', ['-S'])).trim().split('\n')).toEqual(['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT', '-A INPUT -m set --match-set admin src -j DROP']);
    expect(await ns.ok('ip6tables', ['-S'])).not.toContain('WATCHER');
  });
});
