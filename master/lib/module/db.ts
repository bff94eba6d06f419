// Module databases: better-sqlite3 in WAL mode, created from the module's Schema file.
//
// Invariants: the file is 0600 (attacker data); WAL with a busy timeout lets two scanners
// (WatchMX and WatchMB) and Expire/Load/freeme use one database at once; every write of a
// scanner happens inside an IMMEDIATE transaction, so a read-modify-write of a row is atomic.
// A scanner's connection waits only SCANNER_BUSY_MS for the lock (the injector keeps and
// retries what the database refuses); one-shot tools wait BUSY_MS. A scanner's store looks at
// the shared memory file before each use (shm.ts) and reopens the connection when it was
// replaced; while it is unusable, every use is refused like a locked database.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { WatcherError, EX_CONFIG, EX_NOINPUT } from '../core/exit.js';
import { touchFileMode, PRIVATE_MODE } from '../core/files.js';
import { run } from '../core/runner.js';
import { ShmGuard } from './shm.js';

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

/** The prepared statements of the bandits table, on a connection that is never used while its shared memory file is unsafe. */
export class BanditStore {
  private get_!: Database.Statement<[string], BanditRow>;
  private insert_!: Database.Statement<BanditRow>;
  private update_!: Database.Statement<Pick<BanditRow, 'address' | 'affairs' | 'status' | 'rule' | 'modclass' | 'last_seen' | 'drop_time' | 'dropped_by'>>;
  private readonly guard: ShmGuard;
  private busyMs: number;
  /** A problem was seen: the connection is opened again once the file is usable. */
  private stale = false;
  private extending = false;
  /** Where a reopened connection is reported. */
  onNotice?: (message: string) => void;

  /** `schema`: what a database that vanished is created from when the connection is opened again. */
  constructor(public db: Db, private readonly schema?: string) {
    this.busyMs = db.pragma('busy_timeout', { simple: true }) as number;
    this.guard = new ShmGuard(`${db.name}-shm`);
    this.prepare();
    this.guard.mark();
  }

  private prepare(): void {
    const db = this.db;
    this.get_ = db.prepare('SELECT * FROM bandits WHERE address = ?');
    this.insert_ = db.prepare(`INSERT INTO bandits (address, class, host, affairs, status, rule, modclass, first_seen, last_seen, drop_time, origin, dropped_by)
      VALUES (@address, @class, @host, @affairs, @status, @rule, @modclass, @first_seen, @last_seen, @drop_time, @origin, @dropped_by)`);
    this.update_ = db.prepare('UPDATE bandits SET affairs = @affairs, status = @status, rule = @rule, modclass = @modclass, last_seen = @last_seen, drop_time = @drop_time, dropped_by = @dropped_by WHERE address = @address');
  }

  get(address: string): BanditRow | undefined { return this.get_.get(address); }
  insert(row: BanditRow): void { this.insert_.run({ ...row, dropped_by: row.dropped_by ?? null }); }
  update(row: BanditRow): void { this.update_.run({ ...row, dropped_by: row.dropped_by ?? null }); }

  /** How long the next writes wait for the lock. */
  setBusyTimeout(ms: number): void {
    this.busyMs = Math.max(0, Math.floor(ms));
    this.db.pragma(`busy_timeout = ${this.busyMs}`);
  }

  /** Run fn in one IMMEDIATE transaction (the write lock is taken first); throws, touching nothing, while the connection is unusable. */
  batch<T>(fn: () => T): T {
    this.ensureUsable();
    const out = this.db.transaction(fn).immediate();
    this.guard.mark();
    return out;
  }

  /** One row read outside a transaction (a write lock held elsewhere does not stop it). */
  peek(address: string): BanditRow | undefined {
    this.ensureUsable();
    return this.get_.get(address);
  }

  /** Why the connection may not be used now, or undefined. Opens it again where that is needed and safe. */
  unusable(): string | undefined {
    const s = this.guard.check();
    if (s.kind === 'ok' && !this.stale) return undefined;
    if (s.kind === 'unwritable') { this.stale = true; return s.problem; }
    if (s.kind === 'shrunk') { this.stale = true; this.extend(s.size); return s.problem; }
    try { this.reopen(); } catch (e) {
      this.stale = true;
      return `${s.kind === 'replaced' ? `${s.problem}; ` : ''}opening the database again failed: ${(e as Error).message}`;
    }
    this.onNotice?.(`${s.kind === 'replaced' ? s.problem : `${this.guard.path.split('/').pop()} is usable again`}: database opened again`);
    return undefined;
  }

  close(): void { if (this.db.open) this.db.close(); }

  private ensureUsable(): void {
    const problem = this.unusable();
    if (problem) throw new WatcherError(problem, EX_CONFIG);
  }

  // A fresh connection maps whatever file is there now (SQLite makes a new one where none is).
  private reopen(): void {
    this.close();
    this.guard.forget();
    this.db = openDatabase(this.db.name, this.schema ?? '', { busyMs: this.busyMs, create: this.schema !== undefined });
    this.prepare();
    this.guard.mark();
    this.stale = false;
  }

  // Another process extends a truncated file back (an open and close here would drop SQLite's locks on it).
  private extend(size: number): void {
    if (this.extending) return;
    this.extending = true;
    void run('truncate', ['-s', String(size), this.guard.path], { allowFail: true, timeout: 10_000 })
      .catch(() => undefined).finally(() => { this.extending = false; });
  }
}
