// Bench of WatchWB: (1) rules/Test over genlog's web lines (WBinstance's formats, apache and nginx
// access and error lines, a third of them attacks) against fail2ban-regex with Debian's web
// filters, same lines, same run; (2) end to end through a running WatchWB (DNS off, trace off).
// Usage (root): node dist/bench/web.js [LINES] [e2e]   (e2e: only part 2)
// BENCH_NODE_ARGS=--cpu-prof (or "--cpu-prof --cpu-prof-dir DIR") profiles the running WatchWB.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { genlog, printTable, rate } from './common.js';
import { makeBenchInstall, inNetns, type BenchInstall } from './sandbox.js';
import { status, waitFor, rowsByStatus, setsAgree, agreementRows } from './live.js';

const F2B = '/etc/fail2ban/filter.d';
const FILTERS = ['apache-noscript', 'apache-badbots', 'apache-botsearch', 'apache-auth', 'nginx-botsearch', 'nginx-http-auth', 'nginx-limit-req'];
/** The instances of genlog's web mix and their types. */
const REGISTER = 'www.example.org:443 generic\nblog.example.org:443 wordpress\nstatic.example.org:80 static\ncloud.example.org:443 nextcloud\n';

function install(conf: string): BenchInstall {
  const inst = makeBenchInstall(conf);
  writeFileSync(join(inst.root, 'modules/WatchWB/WatchWB.conf'), conf);
  writeFileSync(join(inst.root, 'modules/WatchWB/instances'), REGISTER);
  return inst;
}

/** GNU time, where installed (Debian's `time`): the CPU time of each replay beside its wall clock. */
const TIME = '/usr/bin/time';

// A replay's wall clock and, with GNU time, its CPU seconds (user+sys; time's line ends stderr).
async function replay(cmd: string, args: string[], opts: { stdout?: { file: string } } = {}) {
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = await execa(timed ? TIME : cmd, timed ? ['-f', 'cpu %U %S', cmd, ...args] : args, { reject: false, maxBuffer: 1 << 30, ...opts }).catch(() => undefined);
  const s = (performance.now() - t0) / 1000;
  const m = /cpu ([0-9.]+) ([0-9.]+)\s*$/.exec(String(r?.stderr ?? ''));
  return { r, s, cpu: m ? Number(m[1]) + Number(m[2]) : undefined };
}

// A row of the replay table: wall clock and CPU time, lines per second of each.
const replayRow = (tool: string, lines: number, s: number, cpu: number | undefined, counts: string): (string | number)[] =>
  [tool, lines, s.toFixed(2), rate(lines, s), cpu === undefined ? '-' : cpu.toFixed(2), cpu === undefined ? '-' : rate(lines, cpu), counts];

/** (1) rules/Test of WatchWB and fail2ban-regex per Debian web filter over the same file. */
async function replays(file: string, lines: number): Promise<void> {
  const inst = install('TRACE=\nGEOTRACK=\nDNS_SERVER=off\n');
  const rows: (string | number)[][] = [];
  const out = join(dirname(file), 'test.out');
  const t = await replay(process.execPath, [join(inst.root, 'modules/WatchWB/rules/Test'), file], { stdout: { file: out } });
  if (t.r?.exitCode !== 0) throw new Error(`rules/Test failed: ${t.r?.stderr}`);
  const matched = /(\d+) matched/.exec(String(t.r.stderr))?.[1];
  const { stdout: injects } = await execa('grep', ['-c', ' inject ', out], { reject: false });
  rows.push(replayRow('WatchWB rules/Test (all rules, every instance type)', lines, t.s, t.cpu, `${injects.trim()} attacks (${matched} recognised)`));
  for (const f of FILTERS) {
    // fail2ban-regex's count of matched lines ("Lines: N lines, I ignored, M matched, K missed").
    const x = await replay('fail2ban-regex', ['--print-no-missed', '--print-no-ignored', file, join(F2B, `${f}.conf`)]);
    rows.push(x.r?.exitCode === 0
      ? replayRow(`fail2ban-regex (${f})`, lines, x.s, x.cpu, `${/(\d+) matched/.exec(String(x.r.stdout))?.[1] ?? '?'} matched`)
      : [`fail2ban-regex (${f})`, 'missing: apt-get install fail2ban', '', '', '', '', '']);
  }
  inst.remove();
  console.log(`(1) replay of ${lines} lines of genlog --kind web (${file}), wall clock and CPU time (user+sys, with ${TIME}) per tool:`);
  printTable(['tool', 'lines', 'seconds', 'lines/s', 'CPU s', 'lines/CPU s', 'lines it counts'], rows);
}

/** (2) The file written into $FIFO_BASE/WatchWB of a running WatchWB until sets and database agree. */
async function endToEnd(file: string, lines: number, mix: string): Promise<void> {
  const inst = install('TRACE=\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=5\nTIME_SLICE=60\n');
  const env = { ...process.env, ...inst.env };
  // The sets of an earlier run in this namespace start empty.
  for (const set of ['tarpit', 'custody', 'tarpit-v6', 'custody-v6']) await execa('ipset', ['flush', set], { reject: false });
  const prep = await execa(process.execPath, [join(inst.root, 'modules/WatchWB/Prep')], { env, reject: false });
  if (prep.exitCode !== 0) throw new Error(`Prep: ${prep.stderr}`);
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const wb: ResultPromise = execa(process.execPath, [...nodeArgs, join(inst.root, 'modules/WatchWB/WatchWB')], { env, reject: false, stdio: 'inherit' }) as ResultPromise;
  await waitFor(() => status(inst, 'WatchWB'), 20_000);
  const cpu0 = cpuSeconds(wb.pid!);
  const t0 = performance.now();
  await execa('dd', [`if=${file}`, `of=${join(inst.fifoBase, 'WatchWB')}`, 'bs=1M', 'status=none']);
  const tWritten = performance.now();
  const st = await waitFor(() => { const s = status(inst, 'WatchWB'); return s && s.lines >= lines && s.pending === 0 ? s : false; });
  const tRead = performance.now();
  const cpu = cpuSeconds(wb.pid!) - cpu0;
  const db = new Database(join(inst.root, 'modules/WatchWB/WatchWB.db'), { readonly: true });
  const by = rowsByStatus(db);
  db.close();
  const agree = await setsAgree(by);
  const tAgree = performance.now();
  const sec = (t: number) => ((t - t0) / 1000).toFixed(2);
  const per = Object.entries(st.instances as unknown as Record<string, { lines: number; injected: number; dropped: number }>)
    .map(([k, v]) => `${k} ${v.lines}/${v.injected}/${v.dropped}`).join(', ');
  console.log(`\n(2) end to end: ${lines} lines (${mix}) into $FIFO_BASE/WatchWB of a running WatchWB (DNS off, trace off)`);
  printTable(['measure', 'value'], [
    ['written into the FIFO (s)', sec(tWritten)],
    ['WatchWB status shows all lines (s)', sec(tRead)],
    ['sets agree with database (s)', sec(tAgree)],
    ['lines/s end to end', rate(lines, (tAgree - t0) / 1000)],
    ['WatchWB CPU time until all lines read (user+sys, s)', cpu.toFixed(2)],
    ['lines per WatchWB CPU second', rate(lines, cpu)],
    ['affairs / untreated', `${st.injected} / ${st.untreated}`],
    ['per instance: lines/affairs/dropped', per],
    ...agreementRows(by, agree),
  ]);
  wb.kill('SIGTERM');
  await wb;
  inst.remove();
}

// CPU seconds (user+sys) a process has used: /proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s.
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  if (!(await inNetns())) return;
  const lines = Number(process.argv[2] ?? 1_000_000);
  const file = await genlog(lines, ['--kind', 'web']);
  if (process.argv[3] !== 'e2e') await replays(file, lines);
  await endToEnd(file, lines, 'genlog --kind web: a third attack lines');
  rmSync(dirname(file), { recursive: true, force: true });
  const site = await genlog(lines, ['--kind', 'web-site']);
  await endToEnd(site, lines, "genlog --kind web-site: a public site's log, about 3 % attack lines");
  rmSync(dirname(site), { recursive: true, force: true });
}

await main();
