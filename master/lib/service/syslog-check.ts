// Check a rendered logger snippet with the logger's own syntax check before it is installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../core/runner.js';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { writeFileMode, PRIVATE_MODE } from '../core/files.js';

/** How to run a logger program: its path, arguments that go first, extra environment. */
export interface LoggerProgram { path: string; args?: string[]; env?: Record<string, string> }

export type LoggerKind = 'rsyslog' | 'syslog-ng';

// The snippet is checked inside a minimal main configuration of its own in a temp dir.
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-syslog-'));
  try { return await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

function refuse(kind: LoggerKind, output: string): never {
  const lines = output.split('\n').filter((l) => /error|invalid|unknown|not known|syntax/i.test(l)).slice(0, 5);
  throw new WatcherError(`${kind} refuses the Watcher snippet: ${(lines.length ? lines : [output.trim()]).join('; ')}`, EX_CONFIG);
}

/** Run `rsyslogd -N1` on a main configuration that includes the snippet text. */
export async function checkRsyslogConf(snippet: string, prog: LoggerProgram = { path: 'rsyslogd' }): Promise<void> {
  await withTempDir(async (dir) => {
    const file = join(dir, 'watcher.conf');
    writeFileMode(file, snippet, PRIVATE_MODE);
    writeFileMode(join(dir, 'main.conf'), `global(workDirectory="${dir}")\ninclude(file="${file}")\n`, PRIVATE_MODE);
    const r = await run(prog.path, [...(prog.args ?? []), '-N1', '-f', join(dir, 'main.conf')], { allowFail: true, env: prog.env });
    if (r.exitCode !== 0) refuse('rsyslog', r.stderr + r.stdout);
  });
}

/** The configuration version (major.minor) a syslog-ng binary speaks, for the @version line. */
export async function syslogNgVersion(prog: LoggerProgram): Promise<string> {
  const r = await run(prog.path, [...(prog.args ?? []), '--version'], { env: prog.env, allowFail: true });
  const m = /Installer-Version:\s*(\d+\.\d+)/.exec(r.stdout) ?? /syslog-ng \d+ \((\d+\.\d+)/.exec(r.stdout);
  if (!m) throw new WatcherError(`${prog.path} --version: cannot tell the syslog-ng version (${(r.stderr || r.stdout).trim().slice(0, 200)})`, EX_CONFIG);
  return m[1];
}

/** Run `syslog-ng --syntax-only` on a main configuration that defines the source and includes the snippet text. */
export async function checkSyslogNgConf(snippet: string, source: string, prog: LoggerProgram = { path: 'syslog-ng' }): Promise<void> {
  const version = await syslogNgVersion(prog);
  await withTempDir(async (dir) => {
    const file = join(dir, 'watcher.conf');
    writeFileMode(file, snippet, PRIVATE_MODE);
    writeFileMode(join(dir, 'main.conf'), `@version: ${version}\nsource ${source} { internal(); };\n@include "${file}"\n`, PRIVATE_MODE);
    const r = await run(prog.path, [...(prog.args ?? []), '--syntax-only', '-f', join(dir, 'main.conf')], { allowFail: true, env: prog.env });
    if (r.exitCode !== 0) refuse('syslog-ng', r.stderr + r.stdout);
  });
}
