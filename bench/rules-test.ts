// Bench (1): rules/Test over genlog lines against sshguard's sshg-parser and fail2ban-regex
// with Debian's sshd filter, same lines, same run; and rules/Test over the same lines with an
// RFC 5424 header (what reshaping a header costs); wall clock and CPU time (GNU time), with the
// CPU ratio to sshg-parser, which reads the file as its stdin. Usage: node dist/bench/rules-test.js [LINES]
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { genlog, timeCommand, printTable, rate, ROOT } from './common.js';

const SSHG_PARSER = '/usr/libexec/sshguard/sshg-parser';
const F2B_FILTER = '/etc/fail2ban/filter.d/sshd.conf';

// genlog's `Nov  1 00:00:00 host prog[pid]: msg` as rsyslog's RFC 5424 template writes it.
function toRfc5424(text: string): string {
  return text.replace(/^[A-Z][a-z]{2} +([0-9]+) ([0-9:]{8}) ([^ ]+) ([^ :[]+)(?:\[([0-9]+)\])?: /gm,
    (_m, day: string, time: string, host: string, prog: string, pid?: string) => `<38>1 2026-11-${day.padStart(2, '0')}T${time}.000000+00:00 ${host} ${prog} ${pid ?? '-'} - - `);
}

// Rounds of each tool, taken in turns; the best of each counts (CPU time where GNU time is installed).
const ROUNDS = 3;

async function main(): Promise<void> {
  const lines = Number(process.argv[2] ?? 1_000_000);
  const file = await genlog(lines);
  const rfc5424 = join(dirname(file), 'rfc5424.log');
  writeFileSync(rfc5424, toRfc5424(readFileSync(file, 'utf8')));
  const test = [join(ROOT, 'modules/WatchLG/rules/Test')];
  const tools: [string, string, string[], { input?: string }, string][] = [
    ['Watcher rules/Test', process.execPath, [...test, file], {}, ''],
    ['Watcher rules/Test (RFC 5424 lines)', process.execPath, [...test, rfc5424], {}, ''],
    ['sshguard sshg-parser (the file as stdin)', SSHG_PARSER, [], { input: file }, existsSync(SSHG_PARSER) ? '' : 'missing: apt-get install sshguard'],
    ['fail2ban-regex (sshd filter)', 'fail2ban-regex', ['--print-no-missed', '--print-no-ignored', file, F2B_FILTER], {}, existsSync('/usr/bin/fail2ban-regex') && existsSync(F2B_FILTER) ? '' : 'missing: apt-get install fail2ban'],
  ];
  const best = new Map<string, Awaited<ReturnType<typeof timeCommand>>>();
  // fail2ban-regex takes a minute a million lines: one round.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cmd, args, opts, missing] of tools) {
      if (missing || (round > 0 && cmd === 'fail2ban-regex')) continue;
      const r = await timeCommand(cmd, args, opts);
      if (!r.ok) throw new Error(`${name} failed: ${r.stderr}`);
      const b = best.get(name);
      if (!b || (r.cpu ?? r.s) < (b.cpu ?? b.s)) best.set(name, r);
    }
  }
  const sshg = best.get(tools[2][0]);
  const rows = tools.map(([name, , , , missing]) => {
    const r = best.get(name);
    if (!r) return [name, missing, '', '', '', '', ''];
    const ratio = sshg?.cpu !== undefined && r.cpu !== undefined ? (r.cpu / sshg.cpu).toFixed(2) : '-';
    return [name, lines, r.s.toFixed(2), rate(lines, r.s), r.cpu === undefined ? '-' : r.cpu.toFixed(2), r.cpu === undefined ? '-' : rate(lines, r.cpu), ratio];
  });
  console.log(`(1) replay of ${lines} genlog lines (${file}), best of ${ROUNDS} rounds taken in turns (fail2ban-regex: one):`);
  printTable(['tool', 'lines', 'wall s', 'lines/s', 'CPU s', 'lines/CPU s', 'CPU / sshg-parser'], rows);
  if (!existsSync('/usr/bin/time')) console.log('CPU time needs GNU time (apt-get install time); wall clock only.');
  rmSync(dirname(file), { recursive: true, force: true });
}

await main();
