// Prep of a module: its database from the Schema. Idempotent.
import { existsSync } from 'node:fs';
import { openDatabase } from './db.js';
import type { ModulePaths } from './def.js';

/** Create the database where missing (a second run changes nothing); returns what it did. */
export function prepareDatabase(paths: ModulePaths): string {
  const existed = existsSync(paths.database);
  const db = openDatabase(paths.database, paths.schema);
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM bandits').get() as { n: number }).n;
  db.close();
  return `${paths.database}: ${existed ? `exists, ${rows} addresses` : 'created from Schema'}`;
}
