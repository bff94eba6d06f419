// Stat<XX>: introduced and dropped addresses per day as CSV, mailed to REPORTMAIL.
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { formatDateTime, systemClock } from '../core/clock.js';
import { openDatabase } from './db.js';
import { sendReport } from '../core/mail.js';
import type { ModuleDef, ModulePaths } from './def.js';
import type { ModuleConf } from './context.js';
import { writeFileMode, PRIVATE_MODE } from '../core/files.js';

/** The origins a Stat splits its columns by: a module with a companion shares its database (MX: WatchMX, WatchMB). */
export function statisticsOrigins(def: ModuleDef): string[] {
  return def.companion ? [def.origin ?? def.name, def.companion] : [];
}

/** The CSV header: date, introduced, dropped, then both per origin. */
export function statisticsHeader(origins: string[]): string[] {
  return ['date', 'introduced', 'dropped', ...origins.flatMap((o) => [`introduced ${o}`, `dropped ${o}`])];
}

/**
 * Rows date,introduced,dropped[,per origin] for every day the database knows, oldest first.
 * Introduced counts by the row's origin, dropped by the module that dropped it (dropped_by;
 * rows dropped before schema version 2 by their origin).
 */
export function statisticsRows(paths: ModulePaths, origins: string[] = []): (string | number)[][] {
  const db = openDatabase(paths.database, paths.schema);
  try {
    const split = origins.map((_, k) => `, SUM(CASE WHEN origin = @o${k} THEN i ELSE 0 END), SUM(CASE WHEN origin = @o${k} THEN d ELSE 0 END)`).join('');
    const rows = db.prepare(`SELECT day, SUM(i), SUM(d)${split} FROM (
        SELECT substr(first_seen, 1, 10) AS day, 1 AS i, 0 AS d, origin FROM bandits
        UNION ALL SELECT substr(drop_time, 1, 10), 0, 1, COALESCE(dropped_by, origin) FROM bandits WHERE drop_time IS NOT NULL)
      GROUP BY day ORDER BY day`).raw().all(Object.fromEntries(origins.map((o, k) => [`o${k}`, o]))) as (string | number)[][];
    return rows;
  } finally { db.close(); }
}

/** Rows date,instance,introduced,dropped: an address counts for the instance of its first affair (modclass). */
export function instanceRows(paths: ModulePaths): (string | number)[][] {
  const db = openDatabase(paths.database, paths.schema);
  try {
    return db.prepare(`SELECT day, inst, SUM(i), SUM(d) FROM (
        SELECT substr(first_seen, 1, 10) AS day, COALESCE(modclass, '-') AS inst, 1 AS i, 0 AS d FROM bandits
        UNION ALL SELECT substr(drop_time, 1, 10), COALESCE(modclass, '-'), 0, 1 FROM bandits WHERE drop_time IS NOT NULL)
      GROUP BY day, inst ORDER BY day, inst`).raw().all() as (string | number)[][];
  } finally { db.close(); }
}

/** Write Statistics-<XX>.csv in the module directory and mail it when REPORTMAIL is set. */
export async function makeStatistics(def: ModuleDef, conf: ModuleConf, paths: ModulePaths): Promise<{ file: string; days: number; sent?: string; instances?: string }> {
  const origins = statisticsOrigins(def);
  const rows = statisticsRows(paths, origins);
  const csv = stringify([statisticsHeader(origins), ...rows]);
  const file = join(paths.dir, `Statistics-${def.token}.csv`);
  writeFileMode(file, csv, PRIVATE_MODE);
  const attachments = [{ filename: `Statistics-${def.token}.csv`, content: csv }];
  let instances: string | undefined;
  if (def.instanceStatistics) {
    const perInstance = stringify([['date', 'instance', 'introduced', 'dropped'], ...instanceRows(paths)]);
    instances = join(paths.dir, `Statistics-${def.token}-instances.csv`);
    writeFileMode(instances, perInstance, PRIVATE_MODE);
    attachments.push({ filename: `Statistics-${def.token}-instances.csv`, content: perInstance });
  }
  if (conf.REPORTMAIL === '') return { file, days: rows.length, instances };
  const stamp = formatDateTime(systemClock.now());
  const sent = await sendReport({
    to: conf.REPORTMAIL,
    subject: `Statistics-${def.token} ${stamp}`,
    text: `${[def.name, ...origins.slice(1)].join(' and ')} on this server: addresses introduced and dropped per day (${rows.length} days)${def.instanceStatistics ? ', and per instance' : ''}, attached as CSV.\n`,
    attachments,
  }, conf);
  return { file, days: rows.length, sent, instances };
}
