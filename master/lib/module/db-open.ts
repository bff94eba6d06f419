// Opening a module database: better-sqlite3 in WAL mode, 0600, created from the module's
// Schema file, migrated to SCHEMA_VERSION (see db.ts for the invariants of its use).
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { WatcherError, EX_CONFIG, EX_NOINPUT } from '../core/exit.js';
import { touchFileMode, PRIVATE_MODE } from '../core/files.js';

export type Db = Database.Database;

/** How long a one-shot tool (Load, Expire, freeme) waits for the write lock. */
export const BUSY_MS = 10_000;
/** How long a scanner's write waits for the lock before it keeps the batch for later (no long event-loop stall). */
export const SCANNER_BUSY_MS = 100;

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = 2;

/** SQL that takes a database from version N to N+1 (the key), run once in a write transaction. */
const MIGRATIONS: Record<number, string> = {
  // Who dropped an address (StatMX splits drops by it); rows dropped before say NULL.
  1: 'ALTER TABLE bandits ADD COLUMN dropped_by TEXT',
};

/** Bring an older database up to SCHEMA_VERSION; two processes opening it at once migrate it once. */
function migrate(db: Db): void {
  db.transaction(() => {
    for (let v = db.pragma('user_version', { simple: true }) as number; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** Open (creating from the Schema where missing) a module database. */
export function openDatabase(path: string, schema: string, opts: { create?: boolean; busyMs?: number } = {}): Db {
  const isNew = !existsSync(path);
  if (isNew && opts.create === false) throw new WatcherError(`${path}: no database (run the module's Prep)`, EX_NOINPUT);
  // 0600 before SQLite opens it: its -wal and -shm files take the database's mode. An existing
  // one is not opened beside SQLite (a close would drop this process's SQLite locks on it).
  if (isNew) touchFileMode(path, PRIVATE_MODE);
  else chmodSync(path, PRIVATE_MODE);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A checkpoint (pages written back to the database, an fsync) every 10,000 pages of WAL, not
  // SQLite's 1,000: a flood of affairs dirties the same pages again and again, and each
  // checkpoint writes them once (measured: 34 -> 16 us an affair in batches of 200).
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`busy_timeout = ${opts.busyMs ?? BUSY_MS}`);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) {
    if (!existsSync(schema)) throw new WatcherError(`${schema}: schema file missing`, EX_CONFIG);
    db.exec(readFileSync(schema, 'utf8'));
  } else if (version > SCHEMA_VERSION) {
    db.close();
    throw new WatcherError(`${path}: schema version ${version} is newer than this Watcher (${SCHEMA_VERSION})`, EX_CONFIG);
  } else if (version < SCHEMA_VERSION) migrate(db);
  return db;
}
