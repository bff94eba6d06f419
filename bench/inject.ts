// Bench (4): inject cost with 1k rows in the database against 1M, and LoadLG of 1M DROP rows.
// Usage (root): node dist/bench/inject.js [ROWS]
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { openDatabase, BanditStore } from '../master/lib/module/db.js';
import { Injector } from '../master/lib/module/inject.js';
import { DnsClassifier } from '../master/lib/net/dns.js';
import { newCounters } from '../master/lib/core/status.js';
import { openFirewall } from '../master/lib/firewall/index.js';
import { printTable, rate } from './common.js';
import { makeBenchInstall, inNetns } from './sandbox.js';

const addr = (i: number): string => `${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

// Fill a fresh database with n rows (status as given).
function fill(path: string, schema: string, n: number, status: 'TARPIT' | 'DROP'): void {
  const db = openDatabase(path, schema);
  const ins = db.prepare(`INSERT INTO bandits (address, class, host, affairs, status, rule, modclass, first_seen, last_seen, drop_time, origin) VALUES (?, 'NXDOMAIN', NULL, ?, ?, 'bench', NULL, '2026-11-01 00:00:00', '2026-11-01 00:00:00', ?, 'WatchLG')`);
  db.transaction(() => { for (let i = 0; i < n; i++) ins.run(addr(i), status === 'DROP' ? 5 : 1, status, status === 'DROP' ? '2026-11-01 00:00:00' : null); })();
  db.close();
}

// Time `k` affairs (half on known rows, half new addresses) in chunks of 100, as the scanner batches them.
async function injectCost(path: string, schema: string, rows: number, k: number): Promise<{ us: number; usSync: number }> {
  const db = openDatabase(path, schema);
  const fw = openFirewall({ FIREWALL: 'iptables' });
  await fw.ensure();
  const ch = fw.channel();
  const inj = new Injector({
    store: new BanditStore(db), dns: new DnsClassifier({ DNS_SERVER: 'off', DNS_TIMEOUT: 1, DNS_CACHE_TTL: 0 }), fw: ch, spare: () => false,
    conf: { MAX_AFFAIRS: 30, TIME_SLICE: 1 }, origin: 'WatchLG', counters: newCounters(), trace: { on: false, write: () => {} }, log: { write: () => {} },
  });
  const t0 = performance.now();
  for (let i = 0; i < k; i++) {
    const a = i % 2 === 0 ? addr(Math.floor(Math.random() * rows)) : addr(rows + 10 + i);
    inj.submit({ address: a, rule: 'bench', t0: 0 });
    if (i % 100 === 99) inj.flush();
  }
  inj.flush();
  const t1 = performance.now();
  await ch.sync();
  const t2 = performance.now();
  await ch.close();
  db.close();
  return { us: ((t1 - t0) * 1000) / k, usSync: ((t2 - t0) * 1000) / k };
}

async function main(): Promise<void> {
  if (!(await inNetns())) return;
  const big = Number(process.argv[2] ?? 1_000_000);
  const k = 20_000;
  const inst = makeBenchInstall('TRACE=\nGEOTRACK=\nDNS_SERVER=off\n');
  const schema = join(inst.root, 'modules/WatchLG/Schema');
  const results: (string | number)[][] = [];
  for (const n of [1000, big]) {
    const path = join(inst.root, `bench-${n}.db`);
    fill(path, schema, n, 'TARPIT');
    const r = await injectCost(path, schema, n, k);
    results.push([n, k, r.us.toFixed(1), r.usSync.toFixed(1), rate(k, r.usSync * k / 1e6)]);
  }
  console.log(`(4a) inject cost: ${k} affairs, half on known addresses, half new; DB writes batched per 100 affairs`);
  printTable(['rows in database', 'affairs', 'us/affair (db)', 'us/affair (+ ipset applied)', 'affairs/s'], results);

  const db = join(inst.root, 'modules/WatchLG/WatchLG.db');
  fill(db, schema, big, 'DROP');
  const t0 = performance.now();
  const r = await execa(process.execPath, [join(inst.root, 'modules/WatchLG/LoadLG')], { env: { ...process.env, ...inst.env }, reject: false });
  const s = (performance.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`LoadLG: ${r.stderr}`);
  const loadfile = join(inst.root, 'Loadfiles/Loadfile-WatchLG');
  const lines = readFileSync(loadfile, 'utf8').split('\n').filter((l) => l.startsWith('add custody')).length;
  await execa('ipset', ['create', 'custody', 'hash:net', 'maxelem', '16777216', 'comment', '-exist']);
  const t1 = performance.now();
  await execa('ipset', ['restore', '-exist', '-file', loadfile]);
  const sr = (performance.now() - t1) / 1000;
  console.log(`\n(4b) LoadLG of ${big} DROP rows (program run, node start included) and, for reference, the kernel load of its Loadfile`);
  printTable(['step', 'entries', 'seconds', 'entries/s'], [
    ['LoadLG -> Loadfile-WatchLG', lines, s.toFixed(2), rate(lines, s)],
    ['ipset restore of that file', lines, sr.toFixed(2), rate(lines, sr)],
  ]);
  inst.remove();
}

await main();
