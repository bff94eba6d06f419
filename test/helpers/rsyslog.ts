// A real, private rsyslogd for a test: own socket, work directory, pid file and FIFO_BASE,
// configured by Watcher's own installLoggerConf; never the system /dev/log.
import { execa } from 'execa';
import { startDemoLogger } from '../../bin/demo/rsyslog.js';
import { installLoggerConf } from '../../master/lib/service/syslog-install.js';
import type { Feed } from '../../master/lib/service/syslog.js';
import { makeLoggerDir, ownLogger, type PrivateLogger } from './logger.js';
import { requireTools } from './netns.js';

export type PrivateRsyslog = PrivateLogger;

export interface RsyslogOptions {
  /** FIFO_BASE; default a directory in the rsyslogd's temp dir. */
  fifoBase?: string;
  feeds?: readonly Feed[];
  queueSize?: number;
}

/** Start rsyslogd in the foreground (the demo's starter) with the Watcher snippet installed into its private include directory. */
export async function startRsyslog(opts: RsyslogOptions = {}): Promise<PrivateRsyslog> {
  requireTools(['rsyslogd', 'logger', 'mkfifo']);
  const { dir, incDir, fifoBase } = makeLoggerDir('watcher-rsyslog-', 'rsyslog.d', opts.fifoBase);
  const install = await installLoggerConf({ fifoBase, feeds: opts.feeds, queueSize: opts.queueSize, logger: 'rsyslog', rsyslogDir: incDir });
  return ownLogger(dir, fifoBase, install, await startDemoLogger(dir, incDir));
}

/** Send lines to a logger socket with `logger`, one message a line, as a service would. */
export async function sendLog(socket: string, lines: readonly string[], opts: { priority?: string; tag?: string } = {}): Promise<void> {
  const r = await execa('logger', ['--socket', socket, '--socket-errors=on', '--size', '8192', '-p', opts.priority ?? 'authpriv.info', '-t', opts.tag ?? 'sshd'], { input: lines.join('\n') + '\n', reject: false });
  if (r.exitCode !== 0) throw new Error(`logger --socket ${socket}: exit ${r.exitCode}: ${String(r.stderr)}`);
}

