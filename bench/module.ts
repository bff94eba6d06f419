// Bench (2) end to end through the FIFO of a running WatchLG, (3) latency FIFO write -> address
// in its set, (5) RSS at 1M rows, (6) the same end to end with GeoTrack off, running, slow, stopped. Usage (root): node dist/bench/module.js [LINES] [ROWS]
import { closeSync, createReadStream, createWriteStream, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { execa, type ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { genlog, printTable, rate } from './common.js';
import { makeBenchInstall, inNetns, type BenchInstall } from './sandbox.js';
import { benchWorld, handOverRates } from './geotrack.js';
import { startWhoisServers } from './whois-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function status(inst: BenchInstall): Record<string, number> | undefined {
  const p = join(inst.runDir, 'WatchLG.status');
  try { return JSON.parse(readFileSync(p, 'utf8')); } catch { return undefined; }
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function setCount(set: string): Promise<number> {
  let n = 0;
  for (const k of [set, `${set}-v6`]) {
    const r = await execa('ipset', ['list', '-t', k], { reject: false });
    const m = /Number of entries: (\d+)/.exec(String(r.stdout));
    if (m) n += Number(m[1]);
  }
  return n;
}

// The WatchLG process: pid of the node program (the launcher runs in-process).
function startWatch(inst: BenchInstall): ResultPromise {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  return execa(process.execPath, [...nodeArgs, join(inst.root, 'modules/WatchLG/WatchLG')], { env: { ...process.env, ...inst.env }, reject: false, stdio: 'inherit' }) as ResultPromise;
}

async function waitStatus(inst: BenchInstall, ok: (s: Record<string, number>) => boolean, ms = 600_000): Promise<Record<string, number>> {
  const end = Date.now() + ms;
  for (;;) {
    const s = status(inst);
    if (s && ok(s)) return s;
    if (Date.now() > end) throw new Error(`timed out; status ${JSON.stringify(s)}`);
    await sleep(20);
  }
}

/** (3) Latency: one new address per write, polled with `test` through a persistent ipset process. */
async function latency(inst: BenchInstall, n: number): Promise<number[]> {
  const probe = execa('ipset', ['-'], { stdin: 'pipe', stderr: 'pipe', stdout: 'ignore', reject: false });
  let buf = '';
  const waiters: ((line: string) => void)[] = [];
  probe.stderr!.setEncoding('utf8');
  probe.stderr!.on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, nl); buf = buf.slice(nl + 1); waiters.shift()?.(line); }
  });
  const test = (addr: string) => new Promise<boolean>((res) => { waiters.push((l) => res(!l.includes('NOT'))); probe.stdin!.write(`test tarpit ${addr}\n`); });
  const fd = openSync(join(inst.fifoBase, 'WatchLG'), 'w');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const addr = `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const t0 = performance.now();
    writeSync(fd, `Nov  1 00:00:00 vmd28527 sshd[1]: Failed password for root from ${addr} port 22 ssh2\n`);
    while (!(await test(addr))) { /* poll */ }
    out.push(performance.now() - t0);
    await sleep(2);
  }
  closeSync(fd);
  probe.stdin!.end();
  await probe;
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  if (!(await inNetns())) return;
  const lines = Number(process.argv[2] ?? 1_000_000);
  const rows = Number(process.argv[3] ?? 1_000_000);
  const inst = makeBenchInstall('TRACE=\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=5\nTIME_SLICE=60\n');
  const file = await genlog(lines);
  const prep = await execa(process.execPath, [join(inst.root, 'modules/WatchLG/Prep')], { env: { ...process.env, ...inst.env }, reject: false });
  if (prep.exitCode !== 0) throw new Error(`Prep: ${prep.stderr}`);
  let watch = startWatch(inst);
  await waitStatus(inst, () => true, 20_000);
  const rssStart = rssMiB(watch.pid!);

  // (2) end to end
  const t0 = performance.now();
  // dd writes the file into the FIFO as a log writer would, from its own process.
  await execa('dd', [`if=${file}`, `of=${join(inst.fifoBase, 'WatchLG')}`, 'bs=1M', 'status=none']);
  const tWritten = performance.now();
  const st = await waitStatus(inst, (s) => s.lines >= lines && s.pending === 0);
  const tDone = performance.now();
  // The database is read again each round: affairs a session held (SESSION_WAIT) are written
  // later, and the sets must agree with the rows as they are then, not as they were.
  const db = new Database(join(inst.root, 'modules/WatchLG/WatchLG.db'), { readonly: true });
  const countRows = db.prepare('SELECT status, COUNT(*) AS n FROM bandits GROUP BY status');
  let byStatus: Record<string, number> = {};
  let custody = 0, tarpit = 0;
  for (let i = 0; i < 400; i++) {
    byStatus = Object.fromEntries((countRows.all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    custody = await setCount('custody'); tarpit = await setCount('tarpit');
    if (custody === (byStatus.DROP ?? 0) && tarpit === (byStatus.INITIAL ?? 0) + (byStatus.TARPIT ?? 0)) break;
    await sleep(50);
  }
  db.close();
  const tAgree = performance.now();
  const rssAfter = rssMiB(watch.pid!);
  const e2e = (tAgree - t0) / 1000;
  console.log(`(2) end to end: ${lines} genlog lines into $FIFO_BASE/WatchLG of a running WatchLG (DNS off, trace off)`);
  printTable(['measure', 'value', 'goal'], [
    ['written into the FIFO (s)', ((tWritten - t0) / 1000).toFixed(2), ''],
    ['status shows all lines (s)', ((tDone - t0) / 1000).toFixed(2), ''],
    ['sets agree with database (s)', e2e.toFixed(2), ''],
    ['lines/s end to end', rate(lines, e2e), '>= 100,000'],
    ['affairs (injected)', st.injected, ''],
    ['DROP rows / custody entries', `${byStatus.DROP ?? 0} / ${custody}`, 'equal'],
    ['tarpit rows / tarpit entries', `${(byStatus.INITIAL ?? 0) + (byStatus.TARPIT ?? 0)} / ${tarpit}`, 'equal'],
  ]);

  // (3) latency
  const lat = await latency(inst, 1000);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  console.log('\n(3) latency FIFO write -> address in tarpit (1000 new addresses, one at a time)');
  printTable(['measure', 'ms', 'goal'], [['p50', pct(0.5), ''], ['p90', pct(0.9), ''], ['p99', pct(0.99), '<= 5'], ['max', lat[lat.length - 1].toFixed(2), '']]);

  // (5) RSS at ROWS rows
  watch.kill('SIGTERM');
  await watch;
  const big = new Database(join(inst.root, 'modules/WatchLG/WatchLG.db'));
  const have = (big.prepare('SELECT COUNT(*) AS n FROM bandits').get() as { n: number }).n;
  const ins = big.prepare("INSERT OR IGNORE INTO bandits (address, class, host, affairs, status, rule, modclass, first_seen, last_seen, drop_time, origin) VALUES (?, 'NXDOMAIN', NULL, 5, 'DROP', 'bench', NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'WatchLG')");
  big.transaction(() => { for (let i = 0; i < rows - have; i++) ins.run(`${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`); })();
  const total = (big.prepare('SELECT COUNT(*) AS n FROM bandits').get() as { n: number }).n;
  big.close();
  watch = startWatch(inst);
  await waitStatus(inst, (s) => s.pid === watch.pid, 20_000);
  const rssBig0 = rssMiB(watch.pid!);
  const before = status(inst)!.lines;
  const w2 = createWriteStream(join(inst.fifoBase, 'WatchLG'), { flags: 'a' });
  createReadStream(file, { highWaterMark: 1 << 16, end: 20_000_000 }).pipe(w2);
  await once(w2, 'finish');
  await waitStatus(inst, (s) => s.lines > before && s.pending === 0 && Date.now() - Date.parse(String(s.updated)) < 2000);
  await sleep(1500);
  const rssBig = rssMiB(watch.pid!);
  console.log(`\n(5) RSS of WatchLG (node process)`);
  printTable(['when', 'rows', 'RSS MiB'], [
    ['started, empty database', 0, rssStart.toFixed(1)],
    [`after (2)`, (byStatus.DROP ?? 0) + (byStatus.INITIAL ?? 0) + (byStatus.TARPIT ?? 0), rssAfter.toFixed(1)],
    ['started on the big database', total, rssBig0.toFixed(1)],
    ['after scanning lines on it', total, rssBig.toFixed(1)],
  ]);
  watch.kill('SIGTERM');
  await watch;
  if (existsSync(inst.root)) inst.remove();

  // (6) the GeoTrack hand-over never slows the module (bench/geotrack.ts has the whole GeoTrack bench)
  const geoLines = Math.min(lines, 200_000);
  const srv = await startWhoisServers(benchWorld());
  try {
    console.log(`\n(6) WatchLG end to end with GeoTrack off, running, slow (its registries stall) and stopped: ${geoLines} lines`);
    printTable(['GeoTrack', 'lines/s (each round)', 'affairs', 'handed over', 'not handed over (geoLost)'], await handOverRates(geoLines, srv));
  } finally { await srv.close(); }
}

await main();
