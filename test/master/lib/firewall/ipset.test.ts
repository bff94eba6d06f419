// What only the iptables + ipset backend has, on the real kernel netfilter inside a private
// namespace: its chain's exact rules, the INPUT jump, a set another program's rule holds. What
// every backend does is in firewall.test.ts.
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
});
