// bin/Trace run as an administrator would: by path, through a TOOLPATH symlink, from elsewhere.
import { appendFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstallation, type Installation } from '../helpers/install.js';

describe('bin/Trace', () => {
  let inst: Installation;
  let link: string;
  const trace = (...args: string[]) => execa(link, args, { cwd: tmpdir(), reject: false, env: inst.env });
  beforeAll(() => {
    inst = makeInstallation();
    link = join(inst.toolPath, 'Trace');
    symlinkSync(join(inst.root, 'bin', 'Trace'), link);
  });
  afterAll(() => inst?.remove());

  it('says tracing is off when TRACE is empty', async () => {
    const r = await trace('LG');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('Tracing for LG is off');
  });

  it('takes the seeds\' debug first argument', async () => {
    const r = await trace('debug', 'lg');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('Tracing for LG is off');
  });

  it('prints the last lines of the trace of this installation, found through the symlink', async () => {
    inst.write('modules/WatchLG/WatchLG.conf', 'TRACE=hooray\n');
    const lines = Array.from({ length: 5 }, (_, i) => `2023-04-30T11:27:0${i}.000 WatchLG[1]: [Loop: ${i}] 'x'`);
    writeFileSync(join(inst.root, 'modules/WatchLG/WatchLG.trace'), lines.join('\n') + '\n');
    const r = await trace('LG', '-n', '2', '--no-follow');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(lines.slice(3).join('\n'));
  });

  it('follows what is appended', async () => {
    inst.write('modules/WatchLG/WatchLG.conf', 'TRACE=on\n');
    const path = join(inst.root, 'modules/WatchLG/WatchLG.trace');
    writeFileSync(path, 'old\n');
    const child = execa(link, ['LG', '-n', '0'], { cwd: tmpdir(), env: inst.env, reject: false });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    await new Promise((r) => setTimeout(r, 700));
    appendFileSync(path, 'new line\n');
    for (let i = 0; i < 50 && !out.includes('new line'); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    await child;
    expect(out).toBe('new line\n');
  });

  it('refuses an unknown token with exit 64', async () => {
    const r = await trace('XX');
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain("Trace: unknown module token 'XX'");
  });

  it('stops with exit 78 naming file, line, key and value of a bad conf', async () => {
    inst.write('modules/WatchLG/WatchLG.conf', '# c\nTRACE=`reboot`\n');
    const r = await trace('LG');
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toBe(`Trace: ${join(inst.root, 'modules/WatchLG/WatchLG.conf')}:2: TRACE="\`reboot\`": command substitution \`...\` is refused`);
  });

  it('has --help', async () => {
    const r = await trace('--help');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Trace - follow the trace file of a module');
  });
});
