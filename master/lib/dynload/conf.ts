// A dynloader's settings: watcher.conf, then dynload/<name>/<name>.conf, parsed like every conf.
import { join } from 'node:path';
import { loadSettings, type KeyTable, type Settings } from '../core/settings.js';
import { MASTER_PATH } from '../core/paths.js';
import { WATCHER_KEYS, watcherConfPath } from '../../../common.conf.js';

/** Keys every dynloader takes (README, "Dynloaders"). */
export const DYNLOAD_KEYS = {
  CONNECT_TIMEOUT: { type: 'int', default: '15', min: 1, max: 300, doc: 'seconds to connect (TCP and TLS, or the proxy tunnel)' },
  TIMEOUT: { type: 'int', default: '300', min: 1, max: 3600, doc: 'seconds for a whole download' },
  MAX_SIZE_MB: { type: 'int', default: '64', min: 1, max: 1024, doc: 'largest list taken (MiB, also unpacked)' },
  MAX_REDIRECTS: { type: 'int', default: '5', min: 0, max: 20, doc: 'redirects followed (never from https to http)' },
  CA_FILE: { type: 'path', default: '', doc: 'PEM file of certificate authorities trusted besides the system ones' },
  MIN_SHARE: { type: 'int', default: '50', min: 0, max: 100, doc: 'percent of the last good entry count below which a list is refused as suspiciously short' },
  MIN_ENTRIES: { type: 'int', default: '1', min: 0, max: 100_000_000, doc: 'fewest entries a list may have' },
  KEEP_RESERVED: { type: 'enum', default: 'no', values: ['yes', 'no'], doc: "'yes' keeps entries in reserved ranges (private networks, documentation ranges)" },
  WIDEST_V4: { type: 'int', default: '8', min: 1, max: 32, doc: 'widest IPv4 network taken (its prefix length): a wider entry is left out, so a broken or hostile list cannot drop a large part of the Internet' },
  WIDEST_V6: { type: 'int', default: '16', min: 1, max: 128, doc: 'widest IPv6 network taken (its prefix length)' },
  LOGFILE: { type: 'path', default: (raw: Record<string, string>) => join(raw.LOG_DIR, `dynload-${raw.DYNLOADER}.log`), doc: 'log file' },
  WGET: { type: 'string', default: '', doc: "the seeds' download command: ignored (Watcher fetches itself and always verifies TLS)" },
} as const satisfies KeyTable;

/** The table of a dynloader: watcher.conf's keys, the shared ones, its own. */
export function dynloadKeys<E extends KeyTable>(extra: E) {
  return { ...WATCHER_KEYS, ...DYNLOAD_KEYS, ...extra };
}

export type DynloadConf<E extends KeyTable> = Settings<ReturnType<typeof dynloadKeys<E>>> & { readonly files: string[] };

/** The directory of a dynloader in this installation. */
export function dynloadDir(name: string, master: string = MASTER_PATH): string {
  return join(master, 'dynload', name);
}

/** Load a dynloader's settings; a bad or unknown key is exit 78 naming file:line. */
export function loadDynloadConf<E extends KeyTable>(name: string, extra: E, master: string = MASTER_PATH): DynloadConf<E> {
  const files = [watcherConfPath(master), join(dynloadDir(name, master), `${name}.conf`)];
  return loadSettings(dynloadKeys(extra), files, { fixed: { MASTER_PATH: master, DYNLOADER: name } }) as DynloadConf<E>;
}
