// The program frame: a reader that goes away ends the program quietly (no EPIPE stack trace).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('runProgram', () => {
  it('ends quietly with its exit code when stdout is closed under it (watcher status | head -5)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const prog = join(dir, 'talk.mjs');
    const cli = pathToFileURL(resolve('dist/master/lib/core/cli.js')).href;
    writeFileSync(prog, `import { runProgram } from '${cli}';
await runProgram({ name: 'talk', describe: 'talks a lot', run: async () => {
  for (let i = 0; i < 200; i++) { process.stdout.write('line ' + i + ' ' + 'x'.repeat(1000) + '\\n'); await new Promise((r) => setTimeout(r, 5)); }
  return 0;
} }, []);\n`);
    const child = spawn(process.execPath, [prog], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    // Read the first line, then go away like head.
    await new Promise<void>((res) => child.stdout.once('data', () => { child.stdout.destroy(); res(); }));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('noArgs', () => {
  // A program run without arguments skips the parser: what it runs with must be the options' defaults.
  it('is what the parser gives an empty command line, for every program that has it', async () => {
    const { parseArgs } = await import('../../../../dist/master/lib/core/cli.js');
    const { fillFW } = await import('../../../../dist/master/FillFW.js');
    const { dynloadProgram } = await import('../../../../dist/master/lib/dynload/program.js');
    const providers = await import('../../../../dist/master/lib/dynload/providers.js');
    const progs = [fillFW, ...Object.values(providers).filter((d) => typeof d === 'object' && d && 'describe' in d).map((d) => dynloadProgram(d as never))];
    expect(progs.length).toBeGreaterThan(4);
    for (const p of progs) {
      const parsed = await parseArgs(p, []) as Record<string, unknown>;
      const want = p.noArgs as Record<string, unknown>;
      expect(Object.keys(want).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(want)) expect(parsed[k], `${p.name} --${k}`).toBe(v);
      // Every option the parser knows is in noArgs (an option added later must be added there too).
      const known = Object.keys(parsed).filter((k) => k !== '_' && k !== '$0' && k !== 'h' && k !== 'help');
      expect(known.sort()).toEqual(Object.keys(want).sort());
    }
  });
});
