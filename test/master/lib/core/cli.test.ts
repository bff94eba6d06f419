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
