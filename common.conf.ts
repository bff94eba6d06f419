// The settings every Watcher program shares: one typed table, defaults, and the loaders.
import { join } from 'node:path';
import { loadSettings, type KeyTable, type LoadOptions, type Settings } from './master/lib/core/settings.js';
import { MASTER_PATH, moduleDir } from './master/lib/core/paths.js';
import { hostNameRefusal } from './master/lib/net/names.js';

/** Keys of watcher.conf. System paths may also be overridden by environment variables. */
export const COMMON_KEYS = {
  FIFO_BASE: { type: 'path', default: '/var/log/.pipes', env: true, doc: 'directory of the module FIFOs' },
  LOG_DIR: { type: 'path', default: '/var/log', env: true, doc: 'directory of the module log files' },
  RUN_DIR: { type: 'path', default: '/run/watcher', env: true, doc: 'pid, lock and status files' },
  TOOLPATH: { type: 'path', default: '/usr/local/sbin', env: true, doc: 'where Prep links the tools' },
  FIREWALL: { type: 'enum', default: 'iptables', values: ['iptables', 'nftables'], doc: 'firewall backend' },
  MODULES: { type: 'list', default: 'WatchLG WatchMX WatchWB GeoTrack', doc: 'modules the master starts, where installed' },
  STOP_GRACE: { type: 'int', default: '5', min: 0, max: 300, doc: 'seconds between SIGTERM and SIGKILL on stop' },
  REPORTMAIL: { type: 'string', default: '', doc: 'recipient of statistics mails; empty: write the file only' },
  MAIL_FROM: { type: 'string', default: 'watcher@localhost', doc: 'sender of statistics mails' },
  SMTP_HOST: { type: 'string', default: '', doc: 'SMTP server for mails; empty: the local sendmail' },
  SMTP_PORT: { type: 'int', default: '25', min: 1, max: 65535, doc: 'port of SMTP_HOST' },
  SENDMAIL: { type: 'path', default: '/usr/sbin/sendmail', doc: 'local sendmail program when SMTP_HOST is empty' },
  SMTP_TLS_VERIFY: { type: 'enum', default: 'yes', values: ['yes', 'no'], doc: "check the certificate of SMTP_HOST when it offers TLS; 'no' accepts any (a self-signed relay)" },
  DNS_SERVER: { type: 'string', default: '', doc: "resolver address[:port] for the classification; empty: the system resolver; 'off': no lookups" },
  DNS_TIMEOUT: { type: 'int', default: '2000', min: 1, max: 60000, doc: 'milliseconds before a lookup counts as timed out' },
  DNS_CACHE_TTL: { type: 'int', default: '3600', min: 0, max: 2_592_000, doc: 'seconds a classification is cached; 0 disables the cache' },
  MYROUTER: { type: 'list', default: '', check: hostNameRefusal, doc: "the administrator's dynamic-DNS names (or addresses): MyRouter keeps their addresses in the whitelist, Freeme frees them" },
} as const satisfies KeyTable;

/** Keys of every module; watcher.conf may set them for all modules, Watch<XX>.conf for one. */
export const MODULE_KEYS = {
  TRACE: { type: 'flag', default: '', doc: 'non-empty: write the trace file' },
  MAX_AFFAIRS: { type: 'int', default: '5', min: 1, max: 30, doc: 'affairs before an address is dropped' },
  TIME_SLICE: { type: 'int', default: '60', min: 1, max: 86_400, fallback: true, doc: 'seconds; tarpit timeout is 2^affairs * TIME_SLICE' },
  EXPIRATIONDAYS: { type: 'int', default: '30', min: 0, max: 36_500, doc: 'days after which Expire removes an address' },
  GEOTRACK: { type: 'flag', default: 'yes', doc: 'non-empty: hand new addresses to GeoTrack' },
  MAX_HELD_AFFAIRS: { type: 'int', default: '100000', min: 1, max: 10000000, doc: 'affairs a module holds in memory while its database refuses writes; beyond them affairs still reach the firewall but are lost for the database (logged, counted)' },
  LEVEL: { type: 'enum', default: 'normal', values: ['normal', 'strict'], doc: "rules on: 'normal', or 'strict' also for lines that harmless clients write too (Level=strict in a rule file)" },
  IPV6_PREFIX: { type: 'int', default: '128', min: 32, max: 128, doc: "an IPv6 attacker's affairs are counted and its tarpit and DROP applied for its /N network (64: the /64 one host commonly holds); 128: the address alone" },
  SESSION_WAIT: { type: 'int', default: '10', min: 1, max: 600, doc: 'seconds a session line (Affair=session) waits for a try of its session before it counts, and a line that names no peer for a line of its session that does' },
} as const satisfies KeyTable;

/** The table of watcher.conf: common keys and module defaults. */
export const WATCHER_KEYS = { ...COMMON_KEYS, ...MODULE_KEYS } as const satisfies KeyTable;

/** The table of one module's conf: everything above and its log file. */
export function moduleKeys(name: string) {
  return {
    ...WATCHER_KEYS,
    LOGFILE: { type: 'path', default: (raw: Record<string, string>) => join(raw.LOG_DIR, `${name}.log`), doc: 'module log file' },
    RULES: { type: 'string', default: 'rules', doc: 'rule set: a directory of the module (rules, rules-exim, ...) or an absolute path' },
  } as const satisfies KeyTable;
}

export type WatcherSettings = Settings<typeof WATCHER_KEYS>;

/** A key of watcher.conf, as a program names those it needs. */
export type WatcherKey = keyof typeof WATCHER_KEYS;

/** The path of watcher.conf in this installation. */
export function watcherConfPath(master: string = MASTER_PATH): string {
  return join(master, 'watcher.conf');
}

/**
 * Load watcher.conf (defaults where it is missing) and the environment overrides. A program
 * that names the keys it `needs` takes a bad value of any other key with a warning (its
 * default); without `needs` every bad value is an error (exit 78).
 */
export function loadWatcherConf(opts: LoadOptions<WatcherKey> & { master?: string } = {}) {
  const master = opts.master ?? MASTER_PATH;
  return loadSettings(WATCHER_KEYS, [watcherConfPath(master)], { ...opts, fixed: { MASTER_PATH: master, ...opts.fixed } });
}

/** Load a module's settings: defaults, watcher.conf, then modules/<name>/<name>.conf, with extra module keys. */
export function loadModuleConf<E extends KeyTable>(name: string, extra: E = {} as E, opts: LoadOptions<keyof ReturnType<typeof moduleKeys> & string | keyof E & string> & { master?: string } = {}) {
  const master = opts.master ?? MASTER_PATH;
  const table = { ...moduleKeys(name), ...extra };
  const files = [watcherConfPath(master), join(moduleDir(name, master), `${name}.conf`)];
  return loadSettings(table, files, { ...opts, fixed: { MASTER_PATH: master, ...opts.fixed } });
}
