// What the master's programs share: the service context and the lock around a firewall change.
import { loadWatcherConf } from '../../../common.conf.js';
import { takeLock } from '../core/lock.js';
import { MASTER_PATH } from '../core/paths.js';
import type { Service } from './service.js';

/** The service context of this installation, messages prefixed with the program name. */
export function openService(name: string): Service {
  const conf = loadWatcherConf();
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
