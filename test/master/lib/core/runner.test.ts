import { describe, expect, it } from 'vitest';
import { run, setRunReporter, findProgram } from '../../../../master/lib/core/runner.js';

describe('runner', () => {
  it('passes arguments literally, never through a shell', async () => {
    const r = await run('printf', ['%s\\n', '1.2.3.4;reboot', '$(id)', '`id`']);
    expect(r.stdout).toBe('1.2.3.4;reboot\n$(id)\n`id`\n');
  });

  it('reports every command with its exit code and duration', async () => {
    const seen: string[] = [];
    setRunReporter((l) => seen.push(l));
    await run('true', []);
    setRunReporter(undefined);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\[run\] true \(exit 0, \d+ ms\)$/);
  });

  it('names a missing program with exit 69', async () => {
    await expect(run('no-such-program-xyz', ['a'])).rejects.toMatchObject({ exitCode: 69, message: expect.stringContaining('no-such-program-xyz: program not found') });
  });

  it('throws on a failing command unless allowed', async () => {
    await expect(run('sh', ['-c', 'echo boom >&2; exit 3'])).rejects.toThrow(/exit 3: boom/);
    expect((await run('false', [], { allowFail: true })).exitCode).toBe(1);
  });

  it('kills a command at its timeout', async () => {
    await expect(run('sleep', ['5'], { timeout: 100 })).rejects.toThrow(/timed out after 100 ms/);
  });

  it('feeds standard input', async () => {
    expect((await run('cat', [], { input: 'add x 1\n' })).stdout).toBe('add x 1\n');
  });

  it('finds programs on PATH', () => {
    expect(findProgram('sh')).toMatch(/\/sh$/);
    expect(findProgram('no-such-program-xyz')).toBeUndefined();
  });
});
