// A private rsyslogd for the demo: its own socket, work directory, pid file and include directory.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { spawnChannel } from '../../master/lib/core/runner.js';
import { WatcherError, EX_UNAVAILABLE } from '../../master/lib/core/exit.js';
import { makeDir, writeFileMode, PRIVATE_DIR_MODE, PUBLIC_MODE } from '../../master/lib/core/files.js';

export interface DemoLogger {
  /** The unix socket it reads (what /dev/log is for the system logger). */
  socket: string;
  /** Everything the logger printed (its own errors). */
  output(): string;
  stop(): Promise<void>;
}

/** Wait until a system logger started in the foreground opens its socket; kill it, naming its output, when it does not. */
export async function awaitLogger(name: string, proc: ResultPromise, socket: string): Promise<DemoLogger> {
  let out = '';
  for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => { out += d.toString(); });
  for (let i = 0; i < 100 && !existsSync(socket) && proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) {
    proc.kill('SIGKILL');
    throw new WatcherError(`${name} did not open ${socket}: ${out.trim()}`, EX_UNAVAILABLE);
  }
  return {
    socket,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await proc;
      clearTimeout(t);
    },
  };
}

/** Start rsyslogd in the foreground on `dir`, including `includeDir/*.conf` (where Prep put Watcher's snippet). */
export async function startDemoLogger(dir: string, includeDir: string): Promise<DemoLogger> {
  const work = join(dir, 'work');
  makeDir(work, PRIVATE_DIR_MODE);
  const socket = join(dir, 'log.sock');
  const conf = join(dir, 'rsyslog.conf');
  writeFileMode(conf, [
    `global(workDirectory="${work}")`,
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket="${socket}" CreatePath="on" RateLimit.Interval="0")`,
    `include(file="${includeDir}/*.conf")`,
    '',
  ].join('\n'), PUBLIC_MODE);
  const proc = spawnChannel('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')]);
  proc.stdin.end();
  return awaitLogger('rsyslogd', proc, socket);
}
