// Never blocked: loopback and this machine's own addresses stay reachable when a DROP set covers them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstallation, type Installation } from '../helpers/install.js';
import { Netns, joinVeth, requireTools } from '../helpers/netns.js';
import { runMaster } from '../helpers/master.js';
import { BACKENDS, firewallLine, kernelEntries, requireBackend } from '../helpers/backends.js';

const SERVER = '10.98.0.1';
const CLIENT = '10.98.0.2';
const SERVER6 = '2001:db8:98::1';
const CLIENT6 = '2001:db8:98::2';

const ping = async (ns: Netns, args: string[]): Promise<number> => {
  const r = await ns.exec('ping', ['-q', '-c', '3', '-i', '0.2', '-W', '1', ...args]);
  return Number(/(\d+) received/.exec(String(r.stdout))?.[1] ?? -1);
};

/** Pings answered in the first of up to five tries that gets every answer (the last try's count otherwise). */
const pingUntilAnswered = async (ns: Netns, args: string[]): Promise<number> => {
  let got = -1;
  for (let k = 0; k < 5 && got !== 3; k++) got = await ping(ns, args);
  return got;
};

describe.each(BACKENDS)('never blocked, whatever a DROP set holds (%s)', (backend) => {
  let server: Netns;
  let client: Netns;
  let inst: Installation;
  beforeAll(async () => {
    requireTools(['ping']);
    requireBackend(backend);
    server = await Netns.create();
    client = await Netns.create();
    await joinVeth(server, client, SERVER, CLIENT);
    await server.ok('ip', ['-6', 'addr', 'add', `${SERVER6}/64`, 'dev', 'wa0', 'nodad']);
    await client.ok('ip', ['-6', 'addr', 'add', `${CLIENT6}/64`, 'dev', 'wb0', 'nodad']);
    inst = makeInstallation();
    inst.write('loader.conf', '');
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
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
    expect(await kernelEntries(server, backend, 'blacklist', 4)).toEqual(['0.0.0.0/1']);
    expect(await kernelEntries(server, backend, 'blacklist', 6)).toEqual(['::/1']);
  });

  it('loopback and an own address of either family still answer', async () => {
    expect(await ping(server, ['127.0.0.1'])).toBe(3);
    expect(await ping(server, ['-6', '::1'])).toBe(3);
    expect(await ping(server, [SERVER])).toBe(3);
    expect(await ping(server, ['-6', SERVER6])).toBe(3);
    expect(await kernelEntries(server, backend, 'watcher-own', 4)).toContain(SERVER);
    expect(await kernelEntries(server, backend, 'watcher-own', 6)).toContain(SERVER6);
  });

  it('a listed foreign source of either family is dropped, and passes once the blacklist no longer holds it', async () => {
    expect(await ping(client, ['-I', CLIENT, SERVER])).toBe(0);
    expect(await ping(client, ['-6', '-I', CLIENT6, SERVER6])).toBe(0);
    // The drop was Watcher's: the same pings answer once the blacklist is emptied.
    inst.write('blacklist', '');
    const r = await runMaster(server, inst, 'Blacklist');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await kernelEntries(server, backend, 'blacklist', 4)).toEqual([]);
    // The dropped neighbour solicitations left the client's neighbour entry failed: it is
    // resolved again by the next ping, which can lose the first packets of a try.
    expect(await pingUntilAnswered(client, ['-I', CLIENT, SERVER])).toBe(3);
    expect(await pingUntilAnswered(client, ['-6', '-I', CLIENT6, SERVER6])).toBe(3);
  });
});
