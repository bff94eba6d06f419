// Packets through the real kernel while a dynloader reloads a 100k-entry list in a loop: the
// changed set is built beside the live one and swapped in (refilled inside one transaction on
// nftables), so no listed source gets through.
import { cpSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstallation, type Installation } from '../helpers/install.js';
import { Netns, joinVeth, requireTools } from '../helpers/netns.js';
import { runInstalled, runMaster } from '../helpers/master.js';
import { nets24, startListServer, type ListServer } from '../helpers/lists.js';
import { BACKENDS, firewallLine, kernelNets, requireBackend } from '../helpers/backends.js';

const SERVER = '10.99.0.1';
const LISTED = '10.99.0.2'; // in every version of the list
const FREE = '10.99.0.5'; // in none
const ENTRIES = 100_000;

// Version `round` of the list: LISTED and 99,999 networks, a tenth of them new each round.
const list = (round: number): string => [LISTED, ...nets24(ENTRIES - 1 + round * 10_000).slice(round * 10_000)].join('\n') + '\n';

describe.each(BACKENDS)('a 100k-entry list reloaded in a loop (%s)', (backend) => {
  let server: Netns;
  let client: Netns;
  let srv: ListServer;
  let inst: Installation;

  // Packets from a source that passed Watcher's chain (counted by an ACCEPT rule after the jump).
  const passed = async (src: string): Promise<number> => {
    const out = await server.ok('iptables', ['-w', '-L', 'INPUT', '-v', '-x', '-n']);
    const line = out.split('\n').find((l) => l.includes(src) && l.includes('ACCEPT'));
    return Number(line?.trim().split(/\s+/)[0] ?? NaN);
  };

  beforeAll(async () => {
    requireTools(['iptables', 'ping', 'openssl']);
    requireBackend(backend);
    server = await Netns.create();
    client = await Netns.create();
    await joinVeth(server, client, SERVER, LISTED);
    await client.ok('ip', ['addr', 'add', `${FREE}/24`, 'dev', 'wb0']);
    srv = await startListServer(server);
    inst = makeInstallation();
    const dir = join(inst.root, 'dynload/bulk');
    cpSync(join(inst.root, 'dynload/list'), dir, { recursive: true, verbatimSymlinks: true });
    renameSync(join(dir, 'list'), join(dir, 'bulk'));
    rmSync(join(dir, 'list.conf-sample'));
    rmSync(join(dir, 'Load'));
    symlinkSync('bulk', join(dir, 'Load'));
    inst.write('dynload/bulk/bulk.conf', `URL=${srv.https}/bulk.txt\nCA_FILE=${srv.ca}\nKEEP_RESERVED=yes\n`);
    inst.write('loader.conf', 'dynload/bulk/Load\n');
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
    srv.put('bulk.txt', list(0));
    const r = await runMaster(server, inst, 'watcher', ['start']);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    for (const a of [LISTED, FREE]) await server.ok('iptables', ['-w', '-A', 'INPUT', '-s', a, '-j', 'ACCEPT']);
  }, 120_000);
  afterAll(async () => { await srv?.stop(); await server?.destroy(); await client?.destroy(); inst?.remove(); });

  it('lets no packet of a listed source through while an unlisted one passes', async () => {
    expect(await kernelNets(server, backend, 'bulk')).toHaveLength(ENTRIES);
    const before = { listed: await passed(LISTED), free: await passed(FREE) };
    const pings = [LISTED, FREE].map((src) => client.exec('ping', ['-q', '-I', src, '-i', '0.002', '-w', '120', SERVER]));
    let swaps = 0;
    for (let round = 1; round <= 5; round++) {
      srv.put('bulk.txt', list(round));
      const r = await runInstalled(server, inst, 'dynload/bulk/Load');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Loading firewall/);
      swaps++;
    }
    for (const p of pings) p.kill('SIGINT');
    const [listed, free] = await Promise.all(pings);
    const sent = (r: typeof listed): number => Number(/(\d+) packets transmitted/.exec(String(r.stdout))?.[1] ?? 0);
    expect(swaps).toBe(5);
    expect(sent(listed)).toBeGreaterThan(300); // ping slows to about 100 a second without replies
    expect(await passed(LISTED)).toBe(before.listed);
    expect((await passed(FREE)) - before.free).toBeGreaterThan(300);
    const set = new Set(await kernelNets(server, backend, 'bulk'));
    expect(set.size).toBe(ENTRIES);
    expect(set.has(LISTED)).toBe(true);
    expect(set.has('45.195.80.0/24')).toBe(true); // round 5's first network: the 50,000th (0xc350)
    expect(set.has('45.0.0.0/24')).toBe(false); // round 0's first, gone since round 1
  }, 300_000);
});
