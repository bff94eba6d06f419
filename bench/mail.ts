// Bench of the mail modules: (1) rules/Test of WatchMX and WatchMB over genlog's mail lines
// against fail2ban-regex with Debian's postfix and dovecot filters, same lines, same run;
// (2) end to end through a running WatchMX + WatchMB pair (DNS off, trace off).
// Usage (root): node dist/bench/mail.js [LINES] [e2e]   (e2e: only part 2)
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { genlog, timeCommand, printTable, rate, ROOT } from './common.js';
import { makeBenchInstall, inNetns } from './sandbox.js';
import { status, waitFor, rowsByStatus, setsAgree, agreementRows } from './live.js';

const F2B = '/etc/fail2ban/filter.d';

/** (1) Replays of the same file by each rule set and by fail2ban-regex. */
async function replays(file: string, lines: number): Promise<void> {
  const rows: (string | number)[][] = [];
  const tools: [string, string, string[]][] = [
    ['WatchMX rules/Test (Postfix)', 'modules/WatchMX/rules/Test', []],
    ['WatchMB rules/Test (SASL + DBmail)', 'modules/WatchMB/rules/Test', []],
    ['WatchMB rules/Test (SASL + Dovecot)', 'modules/WatchMB/rules/Test', ['--rules', 'rules-dovecot']],
  ];
  for (const [label, prog, args] of tools) {
    const r = await timeCommand(process.execPath, [join(ROOT, prog), ...args, file]);
    if (!r.ok) throw new Error(`${label} failed: ${r.stderr}`);
    rows.push([label, lines, r.s.toFixed(2), rate(lines, r.s)]);
  }
  for (const filter of ['postfix', 'dovecot']) {
    const r = await timeCommand('fail2ban-regex', ['--print-no-missed', '--print-no-ignored', file, join(F2B, `${filter}.conf`)]).catch(() => undefined);
    rows.push(r?.ok ? [`fail2ban-regex (${filter} filter)`, lines, r.s.toFixed(2), rate(lines, r.s)] : [`fail2ban-regex (${filter} filter)`, 'missing: apt-get install fail2ban', '', '']);
  }
  console.log(`(1) replay of ${lines} lines of genlog.py --kind mail (${file}), wall clock per tool:`);
  printTable(['tool', 'lines', 'seconds', 'lines/s'], rows);
}

/** (2) The file written into $FIFO_BASE/WatchMX of a running pair until both have counted everything. */
async function endToEnd(file: string, lines: number): Promise<void> {
  const conf = 'TRACE=\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=5\nTIME_SLICE=60\n';
  const inst = makeBenchInstall(conf);
  // genlog's mailbox lines are Dovecot's: WatchMB runs the Dovecot rule set.
  writeFileSync(join(inst.root, 'modules/WatchMX/WatchMX.conf'), conf);
  writeFileSync(join(inst.root, 'modules/WatchMB/WatchMB.conf'), `${conf}RULES=rules-dovecot\n`);
  const env = { ...process.env, ...inst.env };
  const prep = await execa(process.execPath, [join(inst.root, 'modules/WatchMX/Prep')], { env, reject: false });
  if (prep.exitCode !== 0) throw new Error(`Prep: ${prep.stderr}`);
  const mx: ResultPromise = execa(process.execPath, [join(inst.root, 'modules/WatchMX/WatchMX')], { env, reject: false, stdio: 'inherit' }) as ResultPromise;
  await waitFor(() => status(inst, 'WatchMX') && status(inst, 'WatchMB'), 20_000);
  const t0 = performance.now();
  await execa('dd', [`if=${file}`, `of=${join(inst.fifoBase, 'WatchMX')}`, 'bs=1M', 'status=none']);
  const tWritten = performance.now();
  const sx = await waitFor(() => { const s = status(inst, 'WatchMX'); return s && s.lines >= lines && s.pending === 0 ? s : false; });
  const tMx = performance.now();
  const m = sx.matched as unknown as Record<string, number>;
  const passMatches = (m['SASL-affair'] ?? 0) + (m['Mailbox-Breaker'] ?? 0);
  const sb = await waitFor(() => { const s = status(inst, 'WatchMB'); return s && s.lines >= sx.passedon && s.pending === 0 ? s : false; });
  const tMb = performance.now();
  const db = new Database(join(inst.root, 'modules/WatchMX/WatchMX.db'), { readonly: true });
  const by = rowsByStatus(db);
  const origins = (db.prepare('SELECT origin, COUNT(*) AS n FROM bandits GROUP BY origin').all() as { origin: string; n: number }[]).map((r) => `${r.origin} ${r.n}`).join(', ');
  db.close();
  const agree = await setsAgree(by);
  const tAgree = performance.now();
  const s = (t: number) => ((t - t0) / 1000).toFixed(2);
  console.log(`\n(2) end to end: ${lines} lines into $FIFO_BASE/WatchMX of a running WatchMX + WatchMB (Postfix, Dovecot rules; DNS off, trace off)`);
  printTable(['measure', 'value'], [
    ['written into the FIFO (s)', s(tWritten)],
    ['WatchMX status shows all lines (s)', s(tMx)],
    ['WatchMB has read all passed lines (s)', s(tMb)],
    ['sets agree with database (s)', s(tAgree)],
    ['lines/s end to end', rate(lines, (tAgree - t0) / 1000)],
    ['WatchMX: affairs / pass-on matches / passed on', `${sx.injected} / ${passMatches} / ${sx.passedon}`],
    ['WatchMB: lines / affairs', `${sb.lines} / ${sb.injected}`],
    ['rows by origin', origins],
    ...agreementRows(by, agree),
  ]);
  mx.kill('SIGTERM');
  await mx;
  inst.remove();
}

async function main(): Promise<void> {
  if (!(await inNetns())) return;
  const lines = Number(process.argv[2] ?? 1_000_000);
  const file = await genlog(lines, ['--kind', 'mail']);
  if (process.argv[3] !== 'e2e') await replays(file, lines);
  await endToEnd(file, lines);
  rmSync(dirname(file), { recursive: true, force: true });
}

await main();
