// What the private rsyslogd and syslog-ng of the tests share: a temp dir of their own holding the
// socket, the include directory with Watcher's snippet and (by default) FIFO_BASE; removed at stop.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoLogger } from '../../bin/demo/rsyslog.js';
import type { LoggerInstall } from '../../master/lib/service/syslog-install.js';

export interface PrivateLogger {
  dir: string;
  /** The unix socket it reads (what /dev/log is for the system logger). */
  socket: string;
  fifoBase: string;
  install: LoggerInstall;
  /** Everything the logger printed (its own errors). */
  output(): string;
  stop(): Promise<void>;
}

/** A fresh temp dir for a private logger, its include directory `inc` and its FIFO_BASE (default inside it). */
export function makeLoggerDir(prefix: string, inc: string, fifoBase?: string): { dir: string; incDir: string; fifoBase: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const incDir = join(dir, inc);
  mkdirSync(incDir);
  return { dir, incDir, fifoBase: fifoBase ?? join(dir, 'pipes') };
}

/** The running logger as a PrivateLogger whose stop also removes its temp dir. */
export function ownLogger(dir: string, fifoBase: string, install: LoggerInstall, daemon: DemoLogger): PrivateLogger {
  return {
    dir, fifoBase, install, socket: daemon.socket, output: daemon.output,
    async stop() { await daemon.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
