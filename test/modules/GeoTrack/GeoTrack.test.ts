// GeoTrack for real: WatchLG hands attackers over through the FIFO, GeoTrack asks the whois
// servers (IANA, then the registry) inside the namespace, records the networks and puts those of
// ZONES in custody; a packet from another address of such a network is dropped by the kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { Netns, joinVeth } from '../../helpers/netns.js';
import { makeGeoSandbox, type GeoSandbox } from './sandbox.js';
import { BACKENDS } from '../../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';
const SERVER = '10.99.0.1';
const RU_ATTACKER = '193.19.80.7'; // RIPE, RU: in ZONES
const RU_NEIGHBOUR = '193.19.80.99'; // same network, never attacked
const US_ATTACKER = '8.8.8.8'; // ARIN, US: recorded, not blocked
const US_NEIGHBOUR = '8.8.8.9';

const failed = (from: string, pid: number) => `${H} sshd[${pid}]: Failed password for root from ${from} port 4242 ssh2`;

const connect = (ns: Netns, from: string) => ns.exec(process.execPath, ['-e', `
  const s = require('node:net').connect({ host: '${SERVER}', port: 8080, localAddress: '${from}', timeout: 1500 });
  s.on('connect', () => { console.log('connected'); s.destroy(); });
  s.on('timeout', () => { console.log('timeout'); s.destroy(); });
  s.on('error', (e) => console.log(e.code));`]).then((r) => String(r.stdout).trim());

describe.each(BACKENDS)('GeoTrack (%s)', (backend) => {
  let sb: GeoSandbox;
  let client: Netns;
  let lg: ResultPromise;
  let geo: ResultPromise | undefined;
  let listener: ResultPromise;
  const startGeo = async () => {
    geo = sb.start('modules/GeoTrack/GeoTrack');
    await sb.waitFor('GeoTrack status', () => sb.statusOf('GeoTrack'));
  };
  const stopGeo = async () => { geo!.kill('SIGTERM'); const r = await geo!; geo = undefined; return r; };

  beforeAll(async () => {
    sb = await makeGeoSandbox('GEOTRACK=yes\nMAX_AFFAIRS=5\nTIME_SLICE=60', backend);
    client = await Netns.create();
    await joinVeth(sb.ns, client, SERVER, '10.99.0.2');
    for (const a of [RU_ATTACKER, RU_NEIGHBOUR, US_ATTACKER, US_NEIGHBOUR]) await client.ok('ip', ['addr', 'add', `${a}/32`, 'dev', 'wb0']);
    await client.ok('ip', ['route', 'add', 'default', 'dev', 'wb0']);
    for (const n of ['193.19.80.0/24', '8.8.8.0/24']) await sb.ns.ok('ip', ['route', 'add', n, 'dev', 'wa0']);
    listener = sb.ns.exec(process.execPath, ['-e', "require('node:net').createServer((c) => c.end()).listen(8080, '0.0.0.0')"]) as ResultPromise;
    await sb.startWhois();
    for (const m of ['WatchLG', 'GeoTrack']) expect((await sb.run(`modules/${m}/Prep`)).exitCode).toBe(0);
    await startGeo();
    lg = sb.start('modules/WatchLG/WatchLG');
    await sb.waitFor('WatchLG status', () => sb.statusOf('WatchLG'));
  });
  afterAll(async () => {
    for (const p of [lg, geo, listener]) if (p && p.exitCode === null) { p.kill('SIGKILL'); await p.catch(() => {}); }
    await client?.destroy();
    await sb?.close();
  });

  it('both neighbours can connect before any attack', async () => {
    expect(await connect(client, RU_NEIGHBOUR)).toBe('connected');
    expect(await connect(client, US_NEIGHBOUR)).toBe('connected');
  });

  it('puts the network of a ZONES attacker in custody, records the other one, counts both', async () => {
    sb.feedLG([failed(RU_ATTACKER, 1), failed(US_ATTACKER, 2)]);
    const rows = await sb.waitFor('two networks', () => { const r = sb.geo((db) => db.prepare('SELECT * FROM geotrack ORDER BY route').all()); return r.length === 2 && r; }, 20_000);
    expect(rows).toEqual([
      { route: '193.19.80.0/21', ip: RU_ATTACKER, country: 'RU', origin: 'WatchLG', regdate: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/), provider: 'RIPE' },
      { route: '8.8.8.0/24', ip: US_ATTACKER, country: 'US', origin: 'WatchLG', regdate: expect.any(String), provider: 'ARIN' },
    ]);
    const custody = await sb.waitFor('custody', async () => { const m = await sb.members('custody'); return m.has('193.19.80.0/21') && m; });
    expect([...custody.keys()]).toEqual(['193.19.80.0/21']);
    const counts = await sb.waitFor('GeoCount', () => { const c = sb.geo((db) => db.prepare('SELECT country, origin, count FROM geocount ORDER BY country').all()); return c.length === 2 && c; });
    expect(counts).toEqual([{ country: 'RU', origin: 'WatchLG', count: 1 }, { country: 'US', origin: 'WatchLG', count: 1 }]);
    expect(sb.statusOf('WatchLG')).toMatchObject({ geoHandedOver: 2, geoLost: 0 });
    expect(sb.geo((db) => db.prepare('SELECT COUNT(*) AS n FROM queue').get())).toEqual({ n: 0 });
  });

  it('drops a packet from another address of the custody network; the other network passes', async () => {
    expect(await connect(client, RU_NEIGHBOUR)).toBe('timeout');
    expect(await connect(client, US_NEIGHBOUR)).toBe('connected');
  });

  it('an address inside a recorded network costs no query', async () => {
    const before = sb.statusOf('GeoTrack')!.queries as number;
    sb.feedLG([failed('193.19.81.1', 3)]);
    const st = await sb.waitFor('known', () => { const s = sb.statusOf('GeoTrack')!; return s.known === 1 && s; });
    expect(st.queries).toBe(before);
    await sb.waitFor('RU counted twice', () => sb.geo((db) => (db.prepare("SELECT count FROM geocount WHERE country = 'RU'").get() as { count: number }).count === 2));
  });

  it('LoadGeo writes the custody networks', async () => {
    const load = await sb.run('modules/GeoTrack/Load');
    expect(load.exitCode, load.stderr).toBe(0);
    expect(load.stdout).toMatch(/^LoadGeo: 1 custody entries in .*Loadfile-GeoTrack/);
    expect(sb.read(`${sb.inst.root}/Loadfiles/Loadfile-GeoTrack`).split('\n').filter((l) => l.startsWith('add'))).toEqual(['add custody 193.19.80.0/21']);
  });

  it('loses nothing while the registries do not answer or GeoTrack is stopped; the module does not wait', async () => {
    await sb.stopWhois();
    sb.feedLG([failed('1.2.3.4', 4)]);
    await sb.waitFor('queued', () => sb.geo((db) => (db.prepare('SELECT COUNT(*) AS n FROM queue').get() as { n: number }).n === 1), 10_000);
    expect((await stopGeo()).exitCode).toBe(0);
    expect(sb.geo((db) => db.prepare('SELECT address, origin FROM queue').all())).toEqual([{ address: '1.2.3.4', origin: 'WatchLG' }]);
    // GeoTrack stopped: WatchLG goes on and counts what it could not hand over.
    sb.feedLG([failed('41.0.1.1', 5)]);
    await sb.waitFor('geoLost', () => sb.statusOf('WatchLG')?.geoLost === 1);
    expect(sb.statusOf('WatchLG')).toMatchObject({ injected: 5, geoHandedOver: 4 });
    await sb.startWhois();
    await startGeo();
    const row = await sb.waitFor('the queued address located', () => sb.geo((db) => db.prepare("SELECT route, country FROM geotrack WHERE ip = '1.2.3.4'").get()), 20_000);
    expect(row).toEqual({ route: '1.2.3.0/24', country: 'CN' });
    // The database has it first, the kernel with the channel's next sync.
    await sb.waitFor('both CIDRs of the range in custody', async () => { const m = await sb.members('custody'); return m.has('1.2.3.0/24') && m.has('1.2.4.0/24'); });
  });

  it('ExpireGeo 0 takes every network out of geotrack.db and custody, and the neighbour passes again', async () => {
    // Rows recorded within this second are not older than 0 days: wait for the next second.
    const last = sb.geo((db) => (db.prepare('SELECT MAX(regdate) AS t FROM geotrack').get() as { t: string }).t);
    await sb.waitFor('a new second', () => new Date().toISOString().slice(0, 19) !== new Date(last.replace(' ', 'T')).toISOString().slice(0, 19) && Date.now() - new Date(last.replace(' ', 'T')).getTime() > 1000);
    const r = await sb.run('modules/GeoTrack/Expire', ['0']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ExpireGeo: 4 networks recorded before .* \(0 days\) removed, 3 of them from custody; .*Loadfile-GeoTrack written again$/);
    expect(sb.geo((db) => db.prepare('SELECT COUNT(*) AS n FROM geotrack').get())).toEqual({ n: 0 });
    expect([...(await sb.members('custody')).keys()]).toEqual([]);
    expect(await connect(client, RU_NEIGHBOUR)).toBe('connected');
    expect((await sb.run('modules/GeoTrack/Expire', ['x'])).exitCode).toBe(64);
  });
});
