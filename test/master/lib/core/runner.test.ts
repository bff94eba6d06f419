import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, setRunReporter, findProgram, spawnChannel } from '../../../../master/lib/core/runner.js';

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

  it('tells ipset, and only ipset, not to read resolv.conf again for every address (RES_OPTIONS no-reload)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watcher-runner-'));
    const path = process.env.PATH;
    const own = process.env.RES_OPTIONS;
    try {
      for (const p of ['ipset', 'iptables']) {
        writeFileSync(join(dir, p), '#!/bin/sh\nprintf "%s" "$RES_OPTIONS"\n');
        chmodSync(join(dir, p), 0o755);
      }
      process.env.PATH = `${dir}:${path}`;
      delete process.env.RES_OPTIONS;
      expect((await run('ipset', ['-exist', 'restore'])).stdout).toBe('no-reload');
      expect((await run('iptables', ['-S'])).stdout).toBe('');
      const channel = spawnChannel('ipset', ['-exist', '-']);
      channel.stdout.setEncoding('utf8');
      let said = '';
      channel.stdout.on('data', (s: string) => { said += s; });
      await channel;
      expect(said).toBe('no-reload');
      // The administrator's own options are kept.
      process.env.RES_OPTIONS = 'attempts:2';
      expect((await run('ipset', ['list'])).stdout).toBe('attempts:2 no-reload');
      expect((await run('ipset', ['list'], { env: { RES_OPTIONS: 'timeout:1' } })).stdout).toBe('timeout:1 no-reload');
    } finally {
      process.env.PATH = path;
      if (own === undefined) delete process.env.RES_OPTIONS; else process.env.RES_OPTIONS = own;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
