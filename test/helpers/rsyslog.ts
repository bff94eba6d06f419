// A real, private rsyslogd for a test: own socket, work directory, pid file and FIFO_BASE,
// configured by Watcher's own installLoggerConf; never the system /dev/log.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { installLoggerConf, type LoggerInstall } from '../../master/lib/syslog-install.js';
import type { Feed } from '../../master/lib/syslog.js';
import { requireTools } from './netns.js';

export interface PrivateRsyslog {
  dir: string;
  /** The unix socket it reads (what /dev/log is for the system logger). */
  socket: string;
  fifoBase: string;
  install: LoggerInstall;
  proc: ResultPromise;
  /** Everything rsyslogd printed (its own errors). */
  output(): string;
  stop(): Promise<void>;
}

export interface RsyslogOptions {
  /** FIFO_BASE; default a directory in the rsyslogd's temp dir. */
  fifoBase?: string;
  feeds?: readonly Feed[];
  queueSize?: number;
}

/** Start rsyslogd in the foreground with the Watcher snippet installed into its private include directory. */
export async function startRsyslog(opts: RsyslogOptions = {}): Promise<PrivateRsyslog> {
  requireTools(['rsyslogd', 'logger', 'mkfifo']);
  const dir = mkdtempSync(join(tmpdir(), 'watcher-rsyslog-'));
  const fifoBase = opts.fifoBase ?? join(dir, 'pipes');
  const incDir = join(dir, 'rsyslog.d');
  const work = join(dir, 'work');
  mkdirSync(incDir);
  mkdirSync(work);
  const install = await installLoggerConf({ fifoBase, feeds: opts.feeds, queueSize: opts.queueSize, logger: 'rsyslog', rsyslogDir: incDir });
  const socket = join(dir, 'log.sock');
  const pidFile = join(dir, 'rsyslogd.pid');
  writeFileSync(join(dir, 'rsyslog.conf'), [
    `global(workDirectory="${work}")`,
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket="${socket}" CreatePath="on" RateLimit.Interval="0")`,
    `include(file="${incDir}/*.conf")`,
    '',
  ].join('\n'));
  let out = '';
  const proc = execa('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', pidFile], { reject: false, cleanup: true, all: true, buffer: false });
  proc.all?.on('data', (d: Buffer) => { out += d.toString(); });
  for (let i = 0; i < 100 && !existsSync(socket); i++) {
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!existsSync(socket)) {
    proc.kill('SIGKILL');
    throw new Error(`private rsyslogd did not open ${socket}: ${out}`);
  }
  return {
    dir, socket, fifoBase, install, proc,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await proc;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Send lines to a logger socket with `logger`, one message a line, as a service would. */
export async function sendLog(socket: string, lines: readonly string[], opts: { priority?: string; tag?: string } = {}): Promise<void> {
  const r = await execa('logger', ['--socket', socket, '--socket-errors=on', '--size', '8192', '-p', opts.priority ?? 'authpriv.info', '-t', opts.tag ?? 'sshd'], { input: lines.join('\n') + '\n', reject: false });
  if (r.exitCode !== 0) throw new Error(`logger --socket ${socket}: exit ${r.exitCode}: ${String(r.stderr)}`);
}

