// Bench (1): rules/Test over genlog lines against sshguard's sshg-parser and fail2ban-regex
// with Debian's sshd filter, same lines, same run; and rules/Test over the same lines with an
// RFC 5424 header (what reshaping a header costs). Usage: node dist/bench/rules-test.js [LINES]
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

async function main(): Promise<void> {
  const lines = Number(process.argv[2] ?? 1_000_000);
  const file = await genlog(lines);
  const rows: (string | number)[][] = [];
  const test = await timeCommand(process.execPath, [join(ROOT, 'modules/WatchLG/rules/Test'), file]);
  if (!test.ok) throw new Error(`rules/Test failed: ${test.stderr}`);
  rows.push(['Watcher rules/Test', lines, test.s.toFixed(2), rate(lines, test.s)]);
  const rfc5424 = join(dirname(file), 'rfc5424.log');
  writeFileSync(rfc5424, toRfc5424(readFileSync(file, 'utf8')));
  const test5424 = await timeCommand(process.execPath, [join(ROOT, 'modules/WatchLG/rules/Test'), rfc5424]);
  if (!test5424.ok) throw new Error(`rules/Test failed: ${test5424.stderr}`);
  rows.push(['Watcher rules/Test (RFC 5424 lines)', lines, test5424.s.toFixed(2), rate(lines, test5424.s)]);
  if (existsSync(SSHG_PARSER)) {
    const r = await timeCommand(SSHG_PARSER, [], { input: file });
    if (!r.ok) throw new Error(`sshg-parser failed: ${r.stderr}`);
    rows.push(['sshguard sshg-parser', lines, r.s.toFixed(2), rate(lines, r.s)]);
  } else rows.push(['sshguard sshg-parser', 'missing: apt-get install sshguard', '', '']);
  if (existsSync('/usr/bin/fail2ban-regex') && existsSync(F2B_FILTER)) {
    const r = await timeCommand('fail2ban-regex', ['--print-no-missed', '--print-no-ignored', file, F2B_FILTER]);
    if (!r.ok) throw new Error(`fail2ban-regex failed: ${r.stderr}`);
    rows.push(['fail2ban-regex (sshd filter)', lines, r.s.toFixed(2), rate(lines, r.s)]);
  } else rows.push(['fail2ban-regex (sshd filter)', 'missing: apt-get install fail2ban', '', '']);
  console.log(`(1) replay of ${lines} genlog lines (${file}), wall clock per tool:`);
  printTable(['tool', 'lines', 'seconds', 'lines/s'], rows);
  rmSync(dirname(file), { recursive: true, force: true });
}

await main();
