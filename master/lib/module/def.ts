// What makes one module different from another: a small definition each entry file binds.
import { join, resolve } from 'node:path';
import { MASTER_PATH, moduleDir } from '../core/paths.js';
import type { LineView } from '../rules/view.js';

export type { LineView, LineReading } from '../rules/view.js';

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
  /** A module this one starts beside it, keeps running and stops with it (WatchMX: WatchMB). */
  companion?: string;
  /** Rules directory relative to the module directory when the RULES key is not given; default: rules. */
  rules?: string;
  /** The module's reading of a line before the ladder; may throw a WatcherError (EX_CONFIG) for a broken file of its own. */
  /** Stat<XX> also writes introduced and dropped per day and per instance (the modclass of WatchWB's rows). */
  instanceStatistics?: boolean;
  view?: (ctx: { dir: string; rules: string; log: (message: string) => void }) => LineView;
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

/** Where a module's files are; `rules` is the RULES key (a directory of the module or an absolute path). */
export function modulePaths(def: ModuleDef, master: string = MASTER_PATH, rules?: string): ModulePaths {
  const dir = moduleDir(def.name, master);
  const db = def.database ?? def.name;
  return {
    dir,
    rules: resolve(dir, rules || def.rules || 'rules'),
    database: join(moduleDir(db, master), `${db}.db`),
    schema: join(moduleDir(db, master), 'Schema'),
    trace: join(dir, `${def.name}.trace`),
    conf: join(dir, `${def.name}.conf`),
  };
}
