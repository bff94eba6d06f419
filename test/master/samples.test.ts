// The shipped -sample files are valid as they are, and load into the kernel on each backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseList } from '../../master/lib/pool/lists.js';
import { loadSettings } from '../../master/lib/core/settings.js';
import { WATCHER_KEYS } from '../../common.conf.js';
import { REPO, makeInstallation, type Installation } from '../helpers/install.js';
import { Netns } from '../helpers/netns.js';
import { runMaster } from '../helpers/master.js';
import { BACKENDS, firewallLine, kernelNets, requireBackend } from '../helpers/backends.js';

const LISTS = ['blacklist', 'whitelist'] as const;
const sample = (name: string): string => readFileSync(join(REPO, `${name}-sample`), 'utf8');

describe('sample files', () => {
  it.each(LISTS)('%s-sample parses without a problem', (name) => {
    const list = parseList(sample(name), `${name}-sample`);
    expect(list.problems).toEqual([]);
    expect(list.nets.length).toBeGreaterThan(2);
  });

  it('watcher.conf-sample loads and keeps the defaults', () => {
    const conf = loadSettings(WATCHER_KEYS, [join(REPO, 'watcher.conf-sample')], { env: {}, fixed: { MASTER_PATH: REPO } });
    expect(conf.FIREWALL).toBe('iptables');
    expect(conf.MODULES).toEqual(['WatchLG', 'WatchMX', 'WatchWB', 'GeoTrack']);
    expect(conf.STOP_GRACE).toBe(5);
  });
});

describe.each(BACKENDS)('the sample lists taken as they are (%s)', (backend) => {
  let ns: Netns;
  let inst: Installation;
  beforeAll(async () => {
    requireBackend(backend);
    ns = await Netns.create();
    inst = makeInstallation();
    inst.write('loader.conf', '');
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
    for (const name of LISTS) inst.write(name, sample(name));
  });
  afterAll(async () => { await ns?.destroy(); inst?.remove(); });

  it('watcher start loads every address and network of both, IPv4 and IPv6, and nothing else', async () => {
    const r = await runMaster(ns, inst, 'watcher', ['start']);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    for (const name of LISTS) expect(await kernelNets(ns, backend, name), name).toEqual(parseList(sample(name), name).nets.map((n) => n.text).sort());
  });
});
