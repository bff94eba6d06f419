// Never blocked: loopback and this machine's own addresses stay reachable when a DROP set covers them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstallation, type Installation } from '../helpers/install.js';
import { Netns, joinVeth, requireTools } from '../helpers/netns.js';
import { runMaster } from '../helpers/master.js';

const SERVER = '10.98.0.1';
const CLIENT = '10.98.0.2';
const SERVER6 = '2001:db8:98::1';
const CLIENT6 = '2001:db8:98::2';

const ping = async (ns: Netns, args: string[]): Promise<number> => {
  const r = await ns.exec('ping', ['-q', '-c', '3', '-i', '0.2', '-W', '1', ...args]);
  return Number(/(\d+) received/.exec(String(r.stdout))?.[1] ?? -1);
};

describe('never blocked, whatever a DROP set holds', () => {
  let server: Netns;
  let client: Netns;
  let inst: Installation;
  beforeAll(async () => {
    requireTools(['ipset', 'iptables', 'ip6tables', 'ping']);
    server = await Netns.create();
    client = await Netns.create();
    await joinVeth(server, client, SERVER, CLIENT);
    await server.ok('ip', ['-6', 'addr', 'add', `${SERVER6}/64`, 'dev', 'wa0', 'nodad']);
    await client.ok('ip', ['-6', 'addr', 'add', `${CLIENT6}/64`, 'dev', 'wb0', 'nodad']);
    inst = makeInstallation();
    inst.write('loader.conf', '');
    inst.write('watcher.conf', 'MODULES=""\n');
    // Half of each address space: loopback, the server's own addresses and the client are all inside.
    inst.write('blacklist', '0.0.0.0/1\n::/1\n');
    const r = await runMaster(server, inst, 'watcher', ['start']);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  });
  afterAll(async () => {
    await server?.destroy();
    await client?.destroy();
    inst?.remove();
  });

  it('loads the covering CIDRs as they are', async () => {
    expect(await server.ok('ipset', ['list', 'blacklist'])).toMatch(/^0\.0\.0\.0\/1$/m);
    expect(await server.ok('ipset', ['list', 'blacklist-v6'])).toMatch(/^::\/1$/m);
  });

  it('loopback and an own address of either family still answer', async () => {
    expect(await ping(server, ['127.0.0.1'])).toBe(3);
    expect(await ping(server, ['-6', '::1'])).toBe(3);
    expect(await ping(server, [SERVER])).toBe(3);
    expect(await ping(server, ['-6', SERVER6])).toBe(3);
    expect(await server.ok('ipset', ['list', 'watcher-own'])).toMatch(new RegExp(`^${SERVER.replaceAll('.', '\\.')}$`, 'm'));
    expect(await server.ok('ipset', ['list', 'watcher-own-v6'])).toMatch(new RegExp(`^${SERVER6}$`, 'm'));
  });

  it('a listed foreign source of either family is still dropped', async () => {
    expect(await ping(client, ['-I', CLIENT, SERVER])).toBe(0);
    expect(await ping(client, ['-6', '-I', CLIENT6, SERVER6])).toBe(0);
    const drops = (await server.ok('iptables', ['-L', 'WATCHER', '-v', '-x', '-n'])).split('\n').find((l) => l.includes('match-set blacklist src'));
    expect(Number(drops?.trim().split(/\s+/)[0])).toBeGreaterThanOrEqual(3);
  });
});
