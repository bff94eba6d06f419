// The bandits rows a scanner's connection read or wrote lately, kept between its transactions,
// and the rows a transaction changed, written once each just before its commit.
//
// Invariants:
// - The copy is used only inside a write transaction of its own connection, and only while no
//   other connection committed since this one's previous transaction: the store reads PRAGMA
//   data_version under the write lock at the start of each transaction (`validate`); any
//   change (ExpireLG, freeme, the companion module, LoadLG's reads do not count) empties it.
// - A transaction that fails empties it (what it changed was never committed).
// - A row changed in a transaction is written once, with its last value, before the commit:
//   an address counted ten times in a burst costs one UPDATE. It is an INSERT when the first
//   change of the transaction was one (the address was new to the database).
// - Bounded: past ROWS_MAX rows the copy is emptied (it is a cache, the database the truth);
//   the changed rows of the running transaction are kept apart and never dropped.
// - Rows are never changed in place (the affairs ladder makes a new row), so a row handed out
//   stays what was read or written.

/** Rows kept at most between transactions (about 300 bytes each). */
const ROWS_MAX = 50_000;

/** `Row`: a bandits row (db.ts), keyed by its address. */
export class RowCache<Row extends { address: string }> {
  /** address -> its row, or null: no row in the database. */
  private readonly rows = new Map<string, Row | null>();
  /** The rows the running transaction changed, and whether their first change was an insert. */
  private readonly changed = new Map<string, { row: Row; insert: boolean }>();
  private version = -1;

  /** Start of a transaction: keep the copy only if the database's data_version is still the one seen last. */
  validate(dataVersion: number): void {
    if (dataVersion !== this.version) this.rows.clear();
    this.version = dataVersion;
  }

  /** The row as this connection knows it (null: none), or undefined when it must be read. */
  get(address: string): Row | null | undefined {
    return this.changed.get(address)?.row ?? this.rows.get(address);
  }

  /** A row read from the database (undefined: none). */
  remember(address: string, row: Row | undefined): void {
    if (this.rows.size >= ROWS_MAX) this.rows.clear();
    this.rows.set(address, row ?? null);
  }

  /** A row the running transaction changed. */
  change(row: Row, insert: boolean): void {
    const was = this.changed.get(row.address);
    this.changed.set(row.address, { row, insert: was ? was.insert : insert });
  }

  /** Hand the changed rows to `write` (once each, in their first change's order) and remember them as committed-to-be. */
  writeChanged(write: (row: Row, insert: boolean) => void): void {
    for (const { row, insert } of this.changed.values()) write(row, insert);
    for (const [address, { row }] of this.changed) this.remember(address, row);
    this.changed.clear();
  }

  /** Forget everything (a failed transaction, a connection opened again). */
  clear(): void {
    this.rows.clear();
    this.changed.clear();
    this.version = -1;
  }
}
