// What makes one module different from another: a small definition each entry file binds.
import { join } from 'node:path';
import { MASTER_PATH, moduleDir } from '../paths.js';

export interface ModuleDef {
  /** Program, FIFO, pid and status name: WatchLG. */
  name: string;
  /** The seeds' token: LG (Trace LG, Refresh lg, StatLG, Statistics-LG). */
  token: string;
  /** Whose database this module writes (WatchMB writes WatchMX's); default: its own. */
  database?: string;
  /** Value of the database's origin column; default: the name. */
  origin?: string;
  /** A class the module gives its addresses (WatchMB: label MB-Class, value Breaker). */
  modClass?: { label: string; value: string };
  /** The companion whose FIFO `passon` writes to (WatchMX: WatchMB). */
  passonTo?: string;
  /** Rules directory relative to the module directory; default: rules. */
  rules?: string;
}

/** The paths of a module in an installation. */
export interface ModulePaths {
  dir: string;
  rules: string;
  database: string;
  schema: string;
  trace: string;
  conf: string;
}

/** Where a module's files are. */
export function modulePaths(def: ModuleDef, master: string = MASTER_PATH): ModulePaths {
  const dir = moduleDir(def.name, master);
  const db = def.database ?? def.name;
  return {
    dir,
    rules: join(dir, def.rules ?? 'rules'),
    database: join(moduleDir(db, master), `${db}.db`),
    schema: join(moduleDir(db, master), 'Schema'),
    trace: join(dir, `${def.name}.trace`),
    conf: join(dir, `${def.name}.conf`),
  };
}
