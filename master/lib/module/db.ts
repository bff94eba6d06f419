// Module databases: better-sqlite3 in WAL mode, created from the module's Schema file.
//
// Invariants: the file is 0600 (attacker data); WAL with a busy timeout lets two scanners
// (WatchMX and WatchMB) and Expire/Load/freeme use one database at once; every write of a
// scanner happens inside an IMMEDIATE transaction, so a read-modify-write of a row is atomic.
// A scanner's connection waits only SCANNER_BUSY_MS for the lock (the injector keeps and
// retries what the database refuses); one-shot tools wait BUSY_MS. A scanner's store looks at
// the shared memory file before each use (shm.ts) and reopens the connection when it was
// replaced; while it is unusable, every use is refused like a locked database. Inside its
// transactions a store keeps a copy of the rows it read and wrote (rowcache.ts): a row is read
// once per burst, and written once per transaction, whatever the affairs it got.
import type Database from 'better-sqlite3';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { run } from '../core/runner.js';
import { ShmGuard } from './shm.js';
import { RowCache } from './rowcache.js';
import { openDatabase, type Db } from './db-open.js';

export { openDatabase, BUSY_MS, SCANNER_BUSY_MS, SCHEMA_VERSION, type Db } from './db-open.js';

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

/** The columns of a row, in the order the statements read and write them. */
const COLUMNS = 'address, class, host, affairs, status, rule, modclass, first_seen, last_seen, drop_time, origin, dropped_by';
type RawRow = [string, string, string | null, number, BanditRow['status'], string, string | null, string, string, string | null, string, string | null];

/** The prepared statements of the bandits table, on a connection that is never used while its shared memory file is unsafe. */
export class BanditStore {
  private get_!: Database.Statement<[string], RawRow>;
  private insert_!: Database.Statement<unknown[]>;
  private update_!: Database.Statement<unknown[]>;
  private version_!: Database.Statement<[], number>;
  private readonly guard: ShmGuard;
  private readonly cache = new RowCache<BanditRow>();
  /** A batch() runs: reads go through the row cache, writes wait for its end. */
  private inBatch = false;
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
    this.get_ = db.prepare<[string], RawRow>(`SELECT ${COLUMNS} FROM bandits WHERE address = ?`).raw();
    this.insert_ = db.prepare(`INSERT INTO bandits (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.update_ = db.prepare('UPDATE bandits SET affairs = ?, status = ?, rule = ?, modclass = ?, last_seen = ?, drop_time = ?, dropped_by = ? WHERE address = ?');
    this.version_ = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.cache.clear();
  }

  /** The row of an address (inside batch(): as this transaction sees it). */
  get(address: string): BanditRow | undefined {
    if (!this.inBatch) return this.read(address);
    const known = this.cache.get(address);
    if (known !== undefined) return known ?? undefined;
    const row = this.read(address);
    this.cache.remember(address, row);
    return row;
  }

  /** A new row (inside batch(): written at its end). */
  insert(row: BanditRow): void {
    if (this.inBatch) this.cache.change(row, true); else this.write(row, true);
  }

  /** A changed row (inside batch(): written at its end, once whatever the changes). */
  update(row: BanditRow): void {
    if (this.inBatch) this.cache.change(row, false); else this.write(row, false);
  }

  /** How long the next writes wait for the lock. */
  setBusyTimeout(ms: number): void {
    this.busyMs = Math.max(0, Math.floor(ms));
    this.db.pragma(`busy_timeout = ${this.busyMs}`);
  }

  /** Run fn in one IMMEDIATE transaction (the write lock is taken first); throws, touching nothing, while the connection is unusable. */
  batch<T>(fn: () => T): T {
    this.ensureUsable();
    let out: T;
    try {
      out = this.db.transaction(() => {
        this.inBatch = true;
        this.cache.validate(this.version_.get()!);
        const r = fn();
        this.cache.writeChanged((row, insert) => this.write(row, insert));
        return r;
      }).immediate();
    } catch (e) {
      this.cache.clear();
      throw e;
    } finally { this.inBatch = false; }
    this.guard.mark();
    return out;
  }

  /** One row read outside a transaction (a write lock held elsewhere does not stop it). */
  peek(address: string): BanditRow | undefined {
    this.ensureUsable();
    return this.read(address);
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

  private read(address: string): BanditRow | undefined {
    const r = this.get_.get(address);
    return r && {
      address: r[0], class: r[1], host: r[2], affairs: r[3], status: r[4], rule: r[5],
      modclass: r[6], first_seen: r[7], last_seen: r[8], drop_time: r[9], origin: r[10], dropped_by: r[11],
    };
  }

  private write(r: BanditRow, insert: boolean): void {
    const by = r.dropped_by ?? null;
    if (insert) this.insert_.run(r.address, r.class, r.host, r.affairs, r.status, r.rule, r.modclass, r.first_seen, r.last_seen, r.drop_time, r.origin, by);
    else this.update_.run(r.affairs, r.status, r.rule, r.modclass, r.last_seen, r.drop_time, by, r.address);
  }

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
