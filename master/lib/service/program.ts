// What the master's programs share: the service context and the lock around a firewall change.
import { loadWatcherConf, type WatcherKey } from '../../../common.conf.js';
import { join } from 'node:path';
import { takeLock } from '../core/lock.js';
import { LineWriter } from '../core/log.js';
import { makeDir } from '../core/files.js';
import { MASTER_PATH } from '../core/paths.js';
import type { Service } from './service.js';

/**
 * The service context of this installation, messages prefixed with the program name. With
 * `needs`, a bad value of any other key of watcher.conf is a warning and its default is used.
 */
export function openService(name: string, needs?: readonly WatcherKey[]): Service {
  const conf = loadWatcherConf({ needs });
  return {
    master: MASTER_PATH,
    conf,
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${name}: ${line}\n`),
  };
}

/** Run a firewall change holding RUN_DIR/watcher.lock (waiting for a holder to finish). */
export async function withLock<T>(s: Service, job: () => Promise<T>): Promise<T> {
  const release = await takeLock(s.conf.RUN_DIR, { say: s.warn });
  try { return await job(); } finally { release(); }
}

/** What a cron tool (MyRouter, Freeme) changed: each line on stdout and in LOG_DIR/<name>.log (0600); nothing when nothing changed. */
export function reportChanges(s: Service, name: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  makeDir(s.conf.LOG_DIR);
  const log = new LineWriter(join(s.conf.LOG_DIR, `${name}.log`), name);
  for (const l of lines) { s.out(l); log.write(l); }
  log.close();
}
