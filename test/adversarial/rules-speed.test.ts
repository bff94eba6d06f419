// rules/Test against sshguard's sshg-parser on the same sshd mix (bench/genlog.ts, 1M lines):
// growing rule sets must leave it clearly faster. Before, they were at par (CPU time 2.07 s
// against 2.08 s, best of three; 0.95 to 1.1 from run to run). The goal is 0.8 at most; the test
// allows 0.9, as CPU time on a busy 2-core machine varies by several per cent between runs: the
// best of three of each, taken in turns.
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/install.js';
import { requireTools } from '../helpers/netns.js';
import { writeLines } from '../../bench/genlog.js';

const SSHG_PARSER = '/usr/libexec/sshguard/sshg-parser';
const LINES = 1_000_000;

/**
 * CPU time (user + system, s) of a program over a file (as FILE or on stdin) by /usr/bin/time,
 * and what it said on stderr. As in a shell's `< FILE > /dev/null`: no pipe through this
 * process adds its own cost.
 */
async function cpuTime(cmd: string[], file: string, onStdin: boolean): Promise<{ s: number; stderr: string }> {
  const times = join(dirname(file), 'time');
  const input = openSync(file, 'r');
  const output = openSync('/dev/null', 'w');
  try {
    const r = await execa('/usr/bin/time', ['-f', '%U %S', '-o', times, ...cmd, ...(onStdin ? [] : [file])], { stdin: onStdin ? input : 'ignore', stdout: output, reject: false });
    expect(r.exitCode, `${cmd.join(' ')}: ${r.stderr}`).toBe(0);
    const [user, sys] = readFileSync(times, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { s: user + sys, stderr: String(r.stderr) };
  } finally { closeSync(input); closeSync(output); }
}

describe('rules/Test over the sshd mix', () => {
  let dir = '';
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('takes at most 0.9 of the CPU time sshg-parser takes on the same 1M lines (best of three each)', async () => {
    requireTools(['time']);
    if (!existsSync(SSHG_PARSER)) throw new Error(`real component missing: ${SSHG_PARSER} (apt-get install sshguard)`);
    const file = writeLines(LINES, { kind: 'auth' });
    dir = dirname(file);
    const test = [process.execPath, join(REPO, 'modules/WatchLG/rules/Test')];
    let watcher = Infinity;
    let sshguard = Infinity;
    for (let round = 0; round < 3; round++) {
      const s = await cpuTime([SSHG_PARSER], file, true);
      const w = await cpuTime(test, file, false);
      expect(w.stderr).toMatch(/^1000000 lines: [0-9]+ skipped, [0-9]+ matched, 0 untreated;/m);
      sshguard = Math.min(sshguard, s.s);
      watcher = Math.min(watcher, w.s);
    }
    expect(sshguard, 'sshg-parser took no measurable time: is it the real one?').toBeGreaterThan(0.2);
    expect(watcher / sshguard, `rules/Test ${watcher.toFixed(2)} s, sshg-parser ${sshguard.toFixed(2)} s of CPU`).toBeLessThanOrEqual(0.9);
  }, 600_000);
});
