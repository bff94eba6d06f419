// GeoTrack bench: (g1) whois queries per new address on an attack mix whose attackers cluster in
// networks (goal <= 0.2), (g2) addresses located per second against whois servers on loopback,
// (g3) WatchLG's end-to-end rate with GeoTrack off, running, slow (its registries stall) and
// stopped (its FIFO unread): the module never waits for GeoTrack.
// Usage (root): node dist/bench/geotrack.js [ADDRESSES] [LINES]
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { GEO_NICE } from '../master/lib/geo/run.js';
import { execa, type ResultPromise } from 'execa';
import { genlog, printTable, rate } from './common.js';
import { makeBenchInstall, inNetns, type BenchInstall } from './sandbox.js';
import { startWhoisServers, type World, type WhoisServers } from './whois-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REGISTRIES = ['whois.ripe.net', 'whois.arin.net', 'whois.apnic.net', 'whois.lacnic.net', 'whois.afrinic.net'];
const COUNTRIES = ['CN', 'RU', 'US', 'BR', 'DE', 'IN', 'VN', 'KR', 'NL', 'ZA'];

/** A world of 223 IANA blocks (/8) over the five registries, each block cut into 16 networks of /12. */
export function benchWorld(): World {
  const w: World = { iana: [], nets: [] };
  for (let o = 1; o <= 223; o++) {
    const server = REGISTRIES[o % REGISTRIES.length];
    w.iana.push({ range: `${o}.0.0.0 - ${o}.255.255.255`, refer: server, org: server });
    for (let k = 0; k < 16; k++) {
      const range = server === 'whois.lacnic.net' ? `${o}.${k * 16}/12` : `${o}.${k * 16}.0.0 - ${o}.${k * 16 + 15}.255.255`;
      w.nets.push({ server, range, country: COUNTRIES[(o + k) % COUNTRIES.length], name: `NET-${o}-${k}` });
    }
  }
  return w;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

/** `n` distinct attacker addresses from `nets` networks (/12 of benchWorld), Pareto-weighted: a few networks hold most. */
export function clusteredMix(n: number, nets: number, seed = 7): string[] {
  const rnd = seeded(seed);
  const pool = Array.from({ length: nets }, () => ({ o: 1 + Math.floor(rnd() * 223), k: Math.floor(rnd() * 16) }));
  const out = new Set<string>();
  while (out.size < n) {
    const i = Math.min(Math.floor(1 / Math.pow(1 - rnd(), 1 / 1.1)) - 1, nets - 1);
    const { o, k } = pool[i];
    out.add(`${o}.${k * 16 + Math.floor(rnd() * 16)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`);
  }
  return [...out];
}

const served = (srv: WhoisServers): number => [...srv.queries.values()].reduce((n, q) => n + q.length, 0);

function statusOf(inst: BenchInstall, name: string): Record<string, number> | undefined {
  try { return JSON.parse(readFileSync(join(inst.runDir, `${name}.status`), 'utf8')); } catch { return undefined; }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 600_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** An installation with GeoTrack.conf pointing at the servers. */
function geoInstall(lgConf: string, srv: WhoisServers, geoConf = ''): BenchInstall {
  const inst = makeBenchInstall(lgConf);
  const conf = `ENABLED=yes\nZONES="cn ru"\nTRACE=\nWHOIS_SERVER=127.0.0.1\nWHOIS_PORT=${srv.ports.get('whois.iana.org')}\nWHOIS_HOSTS="${srv.hosts}"\nWHOIS_RATE=6000\nWHOIS_PARALLEL=8\n${geoConf}\n`;
  appendFileSync(join(inst.root, 'modules/GeoTrack/GeoTrack.conf'), `\n${conf}`);
  return inst;
}

// The process is returned in an object: a ResultPromise is a thenable, awaiting it waits for its end.
async function start(inst: BenchInstall, name: string): Promise<{ p: ResultPromise }> {
  const p = execa(process.execPath, [join(inst.root, `modules/${name}/${name}`)], { env: { ...process.env, ...inst.env }, reject: false, stdio: 'inherit' }) as ResultPromise;
  await waitFor(`${name} status`, () => statusOf(inst, name)?.pid === p.pid, 30_000);
  return { p };
}

async function stop(x: { p: ResultPromise }): Promise<void> { x.p.kill('SIGTERM'); await x.p; }

/** Hand `addresses` to a running GeoTrack; seconds until every one is located or known, and the status then. */
async function locateAll(inst: BenchInstall, addresses: string[]): Promise<{ s: number; st: Record<string, number> }> {
  const t0 = performance.now();
  appendFileSync(join(inst.fifoBase, 'GeoTrack'), addresses.map((a) => `${a} WatchLG\n`).join(''));
  const st = await waitFor('every address located', () => { const s = statusOf(inst, 'GeoTrack'); return s && s.lines >= addresses.length && s.queued === 0 && s; });
  return { s: (performance.now() - t0) / 1000, st };
}

/** (g3) WatchLG end to end through its FIFO with GeoTrack in each state; rows for the table. */
export async function handOverRates(lines: number, srv: WhoisServers, rounds = 2): Promise<(string | number)[][]> {
  const file = await genlog(lines);
  const modes = ['GEOTRACK= (no hand-over)', 'GeoTrack running', 'GeoTrack slow (registries stall)', 'GeoTrack stopped (FIFO unread)'];
  const got = new Map<string, { rates: number[]; st: Record<string, number> }>();
  // The modes alternate, round after round: a busy machine slows them alike.
  for (let round = 0; round < rounds; round++) for (const mode of modes) {
    const off = mode.startsWith('GEOTRACK=');
    const inst = geoInstall(`TRACE=\nGEOTRACK=${off ? '' : 'yes'}\nDNS_SERVER=off\nMAX_AFFAIRS=5\nTIME_SLICE=60\n`, srv, mode.includes('slow') ? 'WHOIS_TIMEOUT=60000' : '');
    for (const m of ['WatchLG', 'GeoTrack']) await execa(process.execPath, [join(inst.root, `modules/${m}/Prep`)], { env: { ...process.env, ...inst.env } });
    if (mode.includes('slow')) for (const r of [...REGISTRIES, 'whois.iana.org']) srv.mode.set(r, 'stall');
    let geo: { p: ResultPromise } | undefined = off ? undefined : await start(inst, 'GeoTrack');
    if (mode.includes('stopped')) { await stop(geo!); geo = undefined; }
    const lg = await start(inst, 'WatchLG');
    const t0 = performance.now();
    const dd = execa('dd', [`if=${file}`, `of=${join(inst.fifoBase, 'WatchLG')}`, 'bs=1M', 'status=none']);
    // This process plays the registries (remote machines in real life): it runs beside WatchLG
    // and dd at GeoTrack's nice level, not before them.
    setPriority(0, GEO_NICE);
    await dd;
    await waitFor('all lines', () => { const s = statusOf(inst, 'WatchLG'); return s && s.lines >= lines && s.pending === 0 && s; });
    const s = (performance.now() - t0) / 1000;
    setPriority(0, 0);
    // The figures once every affair is counted (sessions held at most SESSION_WAIT).
    let st = statusOf(inst, 'WatchLG')!;
    for (let same = 0; same < 4; await sleep(300)) { const x = statusOf(inst, 'WatchLG')!; same = x.injected === st.injected && x.held === 0 ? same + 1 : 0; st = x; }
    const g = got.get(mode) ?? { rates: [], st };
    g.rates.push(lines / s);
    got.set(mode, g);
    await stop(lg);
    if (geo) await stop(geo);
    srv.mode.clear();
    inst.remove();
  }
  return modes.map((m) => { const g = got.get(m)!; return [m, g.rates.map((r) => rate(r, 1)).join(' / '), g.st.injected, g.st.geoHandedOver, g.st.geoLost]; });
}

async function main(): Promise<void> {
  if (!(await inNetns())) return;
  const n = Number(process.argv[2] ?? 10_000);
  const lines = Number(process.argv[3] ?? 300_000);
  const srv = await startWhoisServers(benchWorld());
  try {
    // (g1) clustered
    const mix = clusteredMix(n, 300);
    let inst = geoInstall('GEOTRACK=yes\nDNS_SERVER=off\n', srv);
    let geo = await start(inst, 'GeoTrack');
    const c = await locateAll(inst, mix);
    await stop(geo);
    inst.remove();
    console.log(`(g1) ${n} new attacker addresses from 300 networks (Pareto-weighted), handed to GeoTrack at once`);
    printTable(['measure', 'value', 'goal'], [
      ['whois queries (as the servers counted them)', served(srv), ''],
      ['  of them to IANA (once per block)', srv.queries.get('whois.iana.org')!.length, ''],
      ['addresses in a recorded network (no query)', c.st.known, ''],
      ['queries per new address', (served(srv) / n).toFixed(3), '<= 0.2'],
      ['addresses per second', rate(n, c.s), ''],
    ]);
    // (g2) every address in a network of its own: each costs a query
    for (const q of srv.queries.values()) q.length = 0;
    const spread = Array.from({ length: 1000 }, (_, i) => `${1 + (i % 223)}.${Math.floor(i / 223) * 16 + 3}.${i % 251}.${1 + (i % 199)}`);
    inst = geoInstall('GEOTRACK=yes\nDNS_SERVER=off\n', srv);
    geo = await start(inst, 'GeoTrack');
    const d = await locateAll(inst, spread);
    await stop(geo);
    inst.remove();
    console.log(`\n(g2) ${spread.length} addresses in as many networks: located against the loopback servers (WHOIS_RATE=6000 a minute per server, WHOIS_PARALLEL=8)`);
    printTable(['measure', 'value', 'reference'], [
      ['whois queries (as the servers counted them)', served(srv), ''],
      ['addresses located per second', rate(spread.length, d.s), `${REGISTRIES.length * 100} (the rate limit: 100 a second per registry)`],
    ]);
    // (g3)
    console.log(`\n(g3) WatchLG end to end: ${lines} genlog lines into its FIFO (DNS off), GeoTrack in each state`);
    printTable(['GeoTrack', 'lines/s (each round)', 'affairs', 'handed over', 'not handed over (geoLost)'], await handOverRates(lines, srv));
  } finally { await srv.close(); }
}

if (process.argv[1]?.endsWith('geo.js')) await main();
