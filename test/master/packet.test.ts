// Packets through the real kernel: two namespaces joined by veth, Watcher loaded in the server's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstallation, type Installation } from '../helpers/install.js';
import { Netns, joinVeth, requireTools } from '../helpers/netns.js';
import { runMaster } from '../helpers/master.js';
import { BACKENDS, firewallLine, kernelNets, requireBackend } from '../helpers/backends.js';

const SERVER = '10.99.0.1';
const LISTED = '10.99.0.2'; // in Loadfile-nixspam
const WHITE = '10.99.0.3'; // in Loadfile-nixspam and in the whitelist: the whitelist wins
const BLACK = '10.99.0.4'; // in the blacklist file
const FREE = '10.99.0.5'; // listed nowhere
const NETBLACK = '10.99.0.7'; // inside 10.99.0.6/31 of the blacklist file
const NETWHITE = '10.99.0.9'; // in Loadfile-nixspam, inside 10.99.0.8/30 of the whitelist

const connect = (ns: Netns, from: string) => ns.exec(process.execPath, ['-e', `
  const s = require('node:net').connect({ host: '${SERVER}', port: 8080, localAddress: '${from}', timeout: 1500 });
  s.on('connect', () => { console.log('connected'); s.destroy(); });
  s.on('timeout', () => { console.log('timeout'); s.destroy(); });
  s.on('error', (e) => console.log(e.code));`]).then((r) => String(r.stdout).trim());

// Packets from a source that reached the rule after Watcher's jump in INPUT.
const passed = async (ns: Netns, src: string): Promise<number> => {
  const out = await ns.ok('iptables', ['-w', '-L', 'INPUT', '-v', '-x', '-n']);
  const line = out.split('\n').find((l) => l.includes(src) && l.includes('ACCEPT'));
  return Number(line?.trim().split(/\s+/)[0] ?? NaN);
};

describe.each(BACKENDS)('packets (%s)', (backend) => {
  let server: Netns;
  let client: Netns;
  let inst: Installation;
  let listener: ReturnType<Netns['exec']>;
  beforeAll(async () => {
    requireTools(['iptables', 'ping']);
    requireBackend(backend);
    server = await Netns.create();
    client = await Netns.create();
    await joinVeth(server, client, SERVER, LISTED);
    for (const a of [WHITE, BLACK, FREE, NETBLACK, NETWHITE]) await client.ok('ip', ['addr', 'add', `${a}/24`, 'dev', 'wb0']);
    listener = server.exec(process.execPath, ['-e', "require('node:net').createServer((c) => c.end()).listen(8080, '0.0.0.0')"]);
    inst = makeInstallation();
    inst.write('loader.conf', '');
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
    inst.write('whitelist', `${WHITE}\n10.99.0.8/30\n`);
    inst.write('blacklist', `${BLACK}\n10.99.0.6/31\n`);
    inst.write('Loadfiles/Loadfile-nixspam', `add nixspam ${LISTED}\nadd nixspam ${WHITE}\nadd nixspam ${NETWHITE}\n`);
    const r = await runMaster(server, inst, 'watcher', ['start']);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    // Count what gets past Watcher's chain, per source.
    for (const a of [LISTED, WHITE, BLACK, FREE, NETBLACK]) await server.ok('iptables', ['-w', '-A', 'INPUT', '-s', a, '-j', 'ACCEPT']);
  });
  afterAll(async () => {
    listener?.kill();
    await server?.destroy();
    await client?.destroy();
    inst?.remove();
  });

  it('a listed or blacklisted source cannot connect; a whitelisted and an unlisted one can', async () => {
    expect(await connect(client, FREE)).toBe('connected');
    expect(await connect(client, WHITE)).toBe('connected');
    expect(await connect(client, NETWHITE)).toBe('connected');
    expect(await connect(client, LISTED)).toBe('timeout');
    expect(await connect(client, BLACK)).toBe('timeout');
    expect(await connect(client, NETBLACK)).toBe('timeout');
  });

  it('during a reload loop a listed source gets no packet through', async () => {
    const before = { listed: await passed(server, LISTED), black: await passed(server, BLACK), net: await passed(server, NETBLACK), free: await passed(server, FREE) };
    const pings = [LISTED, BLACK, NETBLACK, FREE].map((src) => client.exec('ping', ['-q', '-I', src, '-i', '0.002', '-w', '8', SERVER]));
    for (let i = 0; i < 6; i++) {
      inst.write('Loadfiles/Loadfile-nixspam', `add nixspam ${LISTED}\nadd nixspam ${WHITE}\n${Array.from({ length: 2000 }, (_, j) => `add nixspam 172.${16 + i}.${j >> 8}.${j & 255}`).join('\n')}\n`);
      inst.write('blacklist', `${BLACK}\n10.99.0.6/31\n192.0.2.${i}\n198.51.${i}.0/24\n`);
      const r = await runMaster(server, inst, 'watcher', ['reload']);
      expect(r.exitCode).toBe(0);
      expect((await runMaster(server, inst, 'Blacklist')).exitCode).toBe(0);
    }
    const [listed, black, net, free] = await Promise.all(pings);
    const sent = (r: typeof listed) => Number(/(\d+) packets transmitted/.exec(String(r.stdout))?.[1] ?? 0);
    expect(sent(listed)).toBeGreaterThan(500);
    expect(sent(black)).toBeGreaterThan(500);
    expect(sent(net)).toBeGreaterThan(500);
    expect(await passed(server, LISTED)).toBe(before.listed);
    expect(await passed(server, BLACK)).toBe(before.black);
    expect(await passed(server, NETBLACK)).toBe(before.net);
    expect((await passed(server, FREE)) - before.free).toBeGreaterThan(500);
    expect(await kernelNets(server, backend, 'nixspam')).toHaveLength(2001); // WHITE and NETWHITE are spared: whitelisted
  });
});
