// The geo dynloader with many zones: the reload reads each Loadfile as it is written (the restore
// busy meanwhile, not after the last zone), one changed zone rebuilds only its set, and a reload
// that cannot run still leaves every Loadfile written for the next one.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Installation } from '../helpers/install.js';
import type { Netns } from '../helpers/netns.js';
import { runInstalled, runMaster } from '../helpers/master.js';
import { makeDynloadSandbox, nets24, type ListServer } from '../helpers/lists.js';

let ns: Netns;
let srv: ListServer;
let inst: Installation;
const ZONES = Array.from({ length: 12 }, (_, i) => `a${String.fromCharCode(97 + i)}`);
const load = (args: string[] = [], hide: string[] = []) => runInstalled(ns, inst, 'dynload/geo/Load', args, {}, hide);
const members = async (set: string): Promise<string[]> => {
  const out = await ns.ok('ipset', ['list', set]);
  return out.slice(out.indexOf('Members:') + 9).split('\n').filter(Boolean).sort();
};
// Zone i: 300 /24 networks of its own, and one IPv6 /32; `variant` shifts the IPv4 ones.
const v4 = (i: number, variant = 0): string[] => nets24(300, 45 + i).map((n, k) => (k < variant ? n.replace(/^(\d+)\./, (_, a) => `${Number(a) + 100}.`) : n));
const put = (i: number, variant = 0): void => {
  srv.put(`${ZONES[i]}-aggregated.zone`, `${v4(i, variant).join('\n')}\n`);
  srv.put(`${ZONES[i]}6-aggregated.zone`, `2a0${i % 8}:${(i + 1).toString(16)}::/32\n`);
};
const conf = (): string => `ZONES='${ZONES.join(' ')}'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL='${srv.https}/{zone}6-aggregated.zone'\nCA_FILE=${srv.ca}\nMIN_INTERVAL=0\nTIMEOUT=5\n`;

beforeAll(async () => {
  ({ ns, srv, inst } = await makeDynloadSandbox(''));
  ZONES.forEach((_, i) => put(i));
  inst.write('dynload/geo/geo.conf', conf());
  const r = await runMaster(ns, inst, 'watcher', ['start']);
  if (r.exitCode !== 0) throw new Error(`watcher start: exit ${r.exitCode}: ${r.stderr}`);
});
afterAll(async () => { await srv?.stop(); await ns?.destroy(); inst?.remove(); });

describe('geo: Load and reload of many zones', () => {
  it('the reload starts with the first Loadfile written and loads every zone; stdout keeps the detail short, the log has it all', async () => {
    const r = await load();
    expect(r.exitCode, r.stderr).toBe(0);
    // 24 downloads and 12 Loadfiles: 36 lines of detail, 20 of them on stdout.
    expect(r.stdout).toMatch(/16 more lines of detail in .*dynload-geo\.log/);
    const lines = readFileSync(join(inst.logDir, 'dynload-geo.log'), 'utf8').split('\n');
    const written = lines.flatMap((l, i) => (/Loadfile-geo-\w+ written: 301 entries/.test(l) ? [i] : []));
    expect(written).toHaveLength(ZONES.length);
    // The load is under way before the last zone is written, not after it.
    expect(lines.findIndex((l) => /Loading firewall/.test(l))).toBeLessThan(written[written.length - 1]);
    for (const [i, z] of ZONES.entries()) expect(await members(`geo-${z}`)).toEqual(v4(i).sort());
  });

  it('one changed zone rebuilds only its set: the Flushload names no other', async () => {
    put(3, 30);
    const r = await load();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/22 lists unchanged \(304\)/);
    const sets = new Set(readFileSync(join(inst.root, 'Loadfiles/Flushload'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[1].replace(/(-v6)?(-new)?$/, '')));
    expect([...sets]).toEqual([`geo-${ZONES[3]}`]);
    expect(await members(`geo-${ZONES[3]}`)).toEqual(v4(3, 30).sort());
    expect(await members(`geo-${ZONES[4]}`)).toEqual(v4(4).sort());
  });

  it('with ipset missing the Load fails (69) but writes every changed Loadfile (more than are made ahead of the reload); the next reload loads them', async () => {
    for (const i of [0, 2, 5, 7, 9, 11]) put(i, 10);
    const r = await load([], ['ipset']);
    expect(r.exitCode, r.stdout).toBe(69);
    for (const i of [0, 2, 5, 7, 9, 11]) {
      const text = readFileSync(join(inst.root, `Loadfiles/Loadfile-geo-${ZONES[i]}`), 'utf8');
      expect(text.split('\n').filter((l) => l.startsWith('add ')).map((l) => l.split(' ')[2]).filter((n) => !n.includes(':')).sort()).toEqual(v4(i, 10).sort());
    }
    expect(readdirSync(join(inst.root, 'Loadfiles')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await runMaster(ns, inst, 'watcher', ['reload']);
    expect(again.exitCode, again.stderr).toBe(0);
    for (const i of [0, 2, 5, 7, 9, 11]) expect(await members(`geo-${ZONES[i]}`)).toEqual(v4(i, 10).sort());
  });
});
