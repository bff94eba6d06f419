// dynload/geo/Load + reload with ~250 country zones (about 200k IPv4 CIDRs and the IPv6 zones,
// generated here and served over loopback by a plain HTTP server) against a raw `ipset restore`
// of the same entries (and, beside it, the same restore told not to look at resolv.conf for every
// address, as Watcher runs ipset); the Load of one changed zone while all are loaded; the
// dynloader's peak RSS.
// Every round runs in a network namespace of its own; each figure is wall-clock and CPU time
// (user + sys of the program and every process it waited for: node, ipset, iptables).
// Run: npm run build && node dist/bench/geo.js [--v4 N] [--v6 N] [--zones N] [--rounds N]
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChannel } from '../master/lib/core/runner.js';
import { createLine, kernelName, newName } from '../master/lib/firewall/ipset-names.js';
import { makeBenchInstall, type BenchInstall } from './sandbox.js';
import { openNs } from './common.js';

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const ZONES = arg('zones', 250);
const V4 = arg('v4', 200_000);
const V6 = arg('v6', 40_000);
const ROUNDS = arg('rounds', 3);

// Zone names aa, ab, ...; zone i gets a share of the networks falling with its rank (a few large countries, many small).
const zones = Array.from({ length: ZONES }, (_, i) => String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26)));
const weights = zones.map((_, i) => 1 / (i + 1) ** 0.9);
const share = (total: number): number[] => { const w = weights.reduce((a, b) => a + b, 0); return weights.map((x) => Math.max(1, Math.round(total * x / w))); };

/** Non-overlapping IPv4 networks from 1.0.0.0 on (first octets 1..99 but 10): a /22 or a /24 in each /22. */
function* v4nets(): Generator<string> {
  for (let n = 0; ; n++) {
    const block = n * 4;
    const a = 1 + Math.floor(block / 65536) + (1 + Math.floor(block / 65536) >= 10 ? 1 : 0);
    const b = (block >> 8) & 255, c = block & 255;
    yield n % 3 === 0 ? `${a}.${b}.${c}.0/22` : `${a}.${b}.${c + (n % 4)}.0/24`;
  }
}
function* v6nets(): Generator<string> {
  for (let n = 0; ; n++) yield `2a0${(n >> 16) & 7}:${(n & 0xffff).toString(16)}::/${n % 2 ? 32 : 29 + (n % 3)}`.replace(/::\/29|::\/30|::\/31/, (m) => m);
}

// The zone files as ipdeny publishes them: one CIDR a line.
function writeZones(dir: string, changed?: string): void {
  const g4 = v4nets(), g6 = v6nets();
  const s4 = share(V4), s6 = share(V6);
  zones.forEach((z, i) => {
    const v4 = Array.from({ length: s4[i] }, () => g4.next().value as string);
    if (z === changed) v4.splice(0, Math.floor(v4.length / 10));
    writeFileSync(join(dir, `${z}-aggregated.zone`), `${v4.join('\n')}\n`);
    writeFileSync(join(dir, `${z}6-aggregated.zone`), `${Array.from({ length: s6[i] }, () => g6.next().value as string).join('\n')}\n`);
  });
}

// The provider: each file read and hashed once while it stays as it is (a provider's own CPU is
// not the dynloader's, and here it takes turns with it on the same cores).
const SERVER = `const http = require('node:http'), fs = require('node:fs'), path = require('node:path'), crypto = require('node:crypto');
const dir = process.argv[1], files = new Map();
const current = (f, st) => {
  let c = files.get(f);
  if (!c || c.mtime !== st.mtimeMs || c.size !== st.size) {
    const body = fs.readFileSync(f);
    files.set(f, c = { mtime: st.mtimeMs, size: st.size, body, etag: '"' + crypto.createHash('sha1').update(body).digest('hex') + '"' });
  }
  return c;
};
for (const n of fs.readdirSync(dir)) if (n.endsWith('.zone')) current(path.join(dir, n), fs.statSync(path.join(dir, n)));
http.createServer((req, res) => {
  const f = path.join(dir, path.basename(req.url));
  const st = fs.statSync(f, { throwIfNoEntry: false });
  if (!st?.isFile()) { res.writeHead(404); return res.end(); }
  const { body, etag } = current(f, st);
  if (req.headers['if-none-match'] === etag) { res.writeHead(304, { etag }); return res.end(); }
  res.writeHead(200, { 'content-length': body.length, etag }); res.end(body);
}).listen(8080, '127.0.0.1', () => console.log('ready'));`;

/**
 * The same end state fed to ipset by hand: each set and its IPv6 twin created as Watcher creates
 * them (same type, hash size, maxelem, comment), every entry added to a copy built beside it,
 * the copy swapped in and destroyed.
 */
function rawRestore(pool: string): string {
  const out: string[] = [];
  for (const f of readdirSync(pool).filter((x) => x.startsWith('Loadfile-geo-'))) {
    const set = f.slice('Loadfile-'.length);
    const nets = readFileSync(join(pool, f), 'utf8').split('\n').filter((l) => l.startsWith('add ')).map((l) => l.split(' ')[2]);
    const v4 = nets.filter((n) => !n.includes(':')).length;
    for (const fam of [4, 6] as const) {
      const k = kernelName(set, fam), hint = fam === 4 ? v4 : undefined;
      out.push(createLine(set, k, fam, hint), createLine(set, newName(k), fam, hint));
      for (const n of nets) if (n.includes(':') === (fam === 6)) out.push(`add ${newName(k)} ${n}`);
      out.push(`swap ${newName(k)} ${k}`, `destroy ${newName(k)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

// CPU seconds (user + sys) of the processes this one has waited for (nsenter and all it waited for).
function childCpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

const secs = (t0: number): number => (performance.now() - t0) / 1000;

// A fresh installation, geo configured for the served zones, Loadfiles/ and the cache empty.
function geoInstall(): BenchInstall {
  const inst = makeBenchInstall('');
  writeFileSync(join(inst.root, 'loader.conf'), '');
  writeFileSync(join(inst.root, 'watcher.conf'), 'MODULES=""\n');
  writeFileSync(join(inst.root, 'dynload/geo/geo.conf'), `ZONES='${zones.join(' ')}'\nV4_URL='http://127.0.0.1:8080/{zone}-aggregated.zone'\nV6_URL='http://127.0.0.1:8080/{zone}6-aggregated.zone'\nMIN_INTERVAL=0\n`);
  for (const d of [join(inst.root, 'Loadfiles'), join(inst.root, 'dynload/geo/cache')]) mkdirSync(d, { recursive: true });
  return inst;
}

async function main(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'watcher-geo-'));
  // Each round has an installation of its own, and none is removed before the end. On ext4
  // without a journal (this kind of machine), a new file's inode is looked for past those freed
  // in the last minute or more (recently_deleted(), a read of the inode table for each): with
  // the last round's 250 Loadfiles just removed, the first Load's 250 new ones cost up to 0.4 s
  // of CPU more, a cost of the bench's cleaning that a real first Load does not pay.
  const installs: BenchInstall[] = [];
  const node = process.execPath;
  try {
    console.log(`Generating ${ZONES} zones: about ${V4} IPv4 and ${V6} IPv6 CIDRs ...`);
    writeZones(data);
    const rounds: Record<'load' | 'fill' | 'raw' | 'rawNr' | 'one' | 'reload' | 'loadCpu' | 'rawCpu' | 'rawNrCpu' | 'oneCpu' | 'rss' | 'entries', number>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      console.log(`Round ${r + 1}: each in a fresh network namespace`);
      writeZones(data);
      const inst = geoInstall();
      installs.push(inst);
      const env = { ...process.env, ...inst.env };
      const ns = await openNs();
      await ns.run('ip', ['link', 'set', 'lo', 'up']);
      const server = spawnChannel('nsenter', [...ns.enter, node, '-e', SERVER, data]);
      await new Promise((ok) => server.stdout.once('data', ok));
      await ns.run(node, [join(inst.root, 'master/watcher'), 'start'], env);
      let t0 = performance.now();
      let c0 = childCpu();
      const first = await ns.run(node, [join(inst.root, 'dynload/geo/Load')], env);
      const load = secs(t0);
      const loadCpu = childCpu() - c0;
      const rss = Number(/peak RSS (\d+) MiB/.exec(first.stdout)?.[1]);
      const entries = Number(/for (\d+) total firewall drops/.exec(first.stdout)?.[1]);
      const fill = Number(/Took ([\d.]+) seconds/.exec(first.stdout)?.[1]);
      console.log(`  dynload/geo/Load + reload, all zones (${entries} entries)        ${load.toFixed(3)} s, CPU ${loadCpu.toFixed(2)} s (its reload, from the first Loadfile written on, ${fill.toFixed(3)} s), peak RSS ${rss} MiB`);
      writeZones(data, zones[0]);
      t0 = performance.now();
      c0 = childCpu();
      const again = await ns.run(node, [join(inst.root, 'dynload/geo/Load')], env);
      const one = secs(t0);
      const oneCpu = childCpu() - c0;
      const reload = Number(/Took ([\d.]+) seconds/.exec(again.stdout)?.[1]);
      console.log(`  dynload/geo/Load, zone ${zones[0]} changed (${ZONES * 2 - 1} answers 304)  ${one.toFixed(3)} s, CPU ${oneCpu.toFixed(2)} s, its reload ${reload.toFixed(3)} s`);
      server.kill('SIGKILL');
      await server.catch(() => undefined);
      await ns.close();
      writeZones(data);
      // The raw reference: the entries of the first Load's Loadfiles, in a fresh namespace.
      const restore = join(data, 'raw.restore');
      const ns2 = await openNs();
      const ns3 = await openNs();
      await ns2.run('ip', ['link', 'set', 'lo', 'up']);
      const server2 = spawnChannel('nsenter', [...ns2.enter, node, '-e', SERVER, data]);
      await new Promise((ok) => server2.stdout.once('data', ok));
      await ns2.run(node, [join(inst.root, 'dynload/geo/Load'), '--no-reload', '--force'], env).catch(() => undefined);
      server2.kill('SIGKILL');
      await server2.catch(() => undefined);
      await ns2.close();
      writeFileSync(restore, rawRestore(join(inst.root, 'Loadfiles')));
      t0 = performance.now();
      c0 = childCpu();
      await ns3.run('ipset', ['restore', '-f', restore]);
      const raw = secs(t0);
      const rawCpu = childCpu() - c0;
      await ns3.close();
      console.log(`  raw: ipset restore -f raw.restore (same sets and entries, swapped in) ${raw.toFixed(3)} s, CPU ${rawCpu.toFixed(2)} s`);
      // The same, told as Watcher tells ipset not to look at resolv.conf for every address.
      const ns4 = await openNs();
      t0 = performance.now();
      c0 = childCpu();
      await ns4.run('ipset', ['restore', '-f', restore], { ...process.env, RES_OPTIONS: 'no-reload' });
      const rawNr = secs(t0);
      const rawNrCpu = childCpu() - c0;
      await ns4.close();
      console.log(`  raw: the same with RES_OPTIONS=no-reload (as Watcher runs ipset)           ${rawNr.toFixed(3)} s, CPU ${rawNrCpu.toFixed(2)} s`);
      rounds.push({ load, fill, raw, rawNr, one, reload, loadCpu, rawCpu, rawNrCpu, oneCpu, rss, entries });
    }
    const best = (k: keyof (typeof rounds)[number]): number => Math.min(...rounds.map((x) => x[k]));
    // A ratio, or '-' where the reference took too little CPU to be counted (ticks of 10 ms).
    const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(3) : '-');
    console.log('');
    console.log(`geo Load + reload, ${rounds[0].entries} entries in ${ZONES} zones: ${rounds.map((x) => x.load.toFixed(3)).join(' / ')} s   raw ipset restore: ${rounds.map((x) => x.raw.toFixed(3)).join(' / ')} s`);
    console.log(`ratio Load + reload / raw (best of each): ${(best('load') / best('raw')).toFixed(3)}   (target <= 1.3); its reload (FillFW, from the first Loadfile written on) / raw: ${(best('fill') / best('raw')).toFixed(3)}`);
    console.log(`CPU time (user + sys, min of ${rounds.length}): Load + reload ${best('loadCpu').toFixed(2)} s, raw ${best('rawCpu').toFixed(2)} s, ratio ${ratio(best('loadCpu'), best('rawCpu'))}`);
    console.log(`against the raw restore with RES_OPTIONS=no-reload (${rounds.map((x) => x.rawNr.toFixed(3)).join(' / ')} s): ratio ${(best('load') / best('rawNr')).toFixed(3)} wall, ${ratio(best('loadCpu'), best('rawNrCpu'))} CPU`);
    console.log(`Load of one changed zone with all loaded: ${best('one').toFixed(3)} s, CPU ${best('oneCpu').toFixed(2)} s (its reload ${best('reload').toFixed(3)} s)`);
    console.log(`peak RSS of the dynloader on the largest list: ${Math.max(...rounds.map((x) => x.rss))} MiB`);
  } finally {
    for (const inst of installs) inst.remove();
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
