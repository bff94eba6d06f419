// Bench (1): rules/Test over genlog lines against sshguard's sshg-parser and fail2ban-regex
// with Debian's sshd filter, same lines, same run. Usage: node dist/bench/rules-test.js [LINES]
import { existsSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { genlog, timeCommand, printTable, rate, ROOT } from './common.js';

const SSHG_PARSER = '/usr/libexec/sshguard/sshg-parser';
const F2B_FILTER = '/etc/fail2ban/filter.d/sshd.conf';

async function main(): Promise<void> {
  const lines = Number(process.argv[2] ?? 1_000_000);
  const file = await genlog(lines);
  const rows: (string | number)[][] = [];
  const test = await timeCommand(process.execPath, [join(ROOT, 'modules/WatchLG/rules/Test'), file]);
  if (!test.ok) throw new Error(`rules/Test failed: ${test.stderr}`);
  rows.push(['Watcher rules/Test', lines, test.s.toFixed(2), rate(lines, test.s)]);
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
