// Module databases: better-sqlite3 in WAL mode, created from the module's Schema file.
//
// Invariants: the file is 0600 (attacker data); WAL with a busy timeout lets two scanners
// (WatchMX and WatchMB) and Expire/Load/freeme use one database at once; every write of a
// scanner happens inside an IMMEDIATE transaction, so a read-modify-write of a row is atomic.
// A scanner's connection waits only SCANNER_BUSY_MS for the lock (the injector keeps and
// retries what the database refuses); one-shot tools wait BUSY_MS.
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

/** One row of a module database. */
export interface BanditRow {
  address: string;
  class: string;
  host: string | null;
  affairs: number;
  status: 'INITIAL' | 'TARPIT' | 'DROP';
  rule: string;
  modclass: string | null;
  first_seen: string;
  last_seen: string;
  drop_time: string | null;
  origin: string;
  /** The module whose affair took it to DROP (NULL for rows dropped before schema version 2). */
  dropped_by?: string | null;
}

/** The prepared statements of the bandits table. */
export class BanditStore {
  private readonly get_: Database.Statement<[string], BanditRow>;
  private readonly insert_: Database.Statement<BanditRow>;
  private readonly update_: Database.Statement<Pick<BanditRow, 'address' | 'affairs' | 'status' | 'rule' | 'modclass' | 'last_seen' | 'drop_time' | 'dropped_by'>>;

  constructor(readonly db: Db) {
    this.get_ = db.prepare('SELECT * FROM bandits WHERE address = ?');
    this.insert_ = db.prepare(`INSERT INTO bandits (address, class, host, affairs, status, rule, modclass, first_seen, last_seen, drop_time, origin, dropped_by)
      VALUES (@address, @class, @host, @affairs, @status, @rule, @modclass, @first_seen, @last_seen, @drop_time, @origin, @dropped_by)`);
    this.update_ = db.prepare('UPDATE bandits SET affairs = @affairs, status = @status, rule = @rule, modclass = @modclass, last_seen = @last_seen, drop_time = @drop_time, dropped_by = @dropped_by WHERE address = @address');
  }

  get(address: string): BanditRow | undefined { return this.get_.get(address); }
  insert(row: BanditRow): void { this.insert_.run({ ...row, dropped_by: row.dropped_by ?? null }); }
  update(row: BanditRow): void { this.update_.run({ ...row, dropped_by: row.dropped_by ?? null }); }

  /** How long the next writes wait for the lock. */
  setBusyTimeout(ms: number): void { this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`); }

  /** Run fn in one IMMEDIATE transaction (the write lock is taken first). */
  batch<T>(fn: () => T): T { return this.db.transaction(fn).immediate(); }
}
