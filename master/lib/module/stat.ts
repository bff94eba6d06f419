// Stat<XX>: introduced and dropped addresses per day as CSV, mailed to REPORTMAIL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { formatDateTime, systemClock } from '../clock.js';
import { openDatabase } from '../db.js';
import { sendReport } from '../mail.js';
import type { ModuleDef, ModulePaths } from './def.js';
import type { ModuleConf } from './context.js';

/** Rows date,introduced,dropped for every day the database knows, oldest first. */
export function statisticsRows(paths: ModulePaths): [string, number, number][] {
  const db = openDatabase(paths.database, paths.schema);
  try {
    const rows = db.prepare(`SELECT day, SUM(i) AS introduced, SUM(d) AS dropped FROM (
        SELECT substr(first_seen, 1, 10) AS day, 1 AS i, 0 AS d FROM bandits
        UNION ALL SELECT substr(drop_time, 1, 10), 0, 1 FROM bandits WHERE drop_time IS NOT NULL)
      GROUP BY day ORDER BY day`).all() as { day: string; introduced: number; dropped: number }[];
    return rows.map((r) => [r.day, r.introduced, r.dropped]);
  } finally { db.close(); }
}

/** Write Statistics-<XX>.csv in the module directory and mail it when REPORTMAIL is set. */
export async function makeStatistics(def: ModuleDef, conf: ModuleConf, paths: ModulePaths): Promise<{ file: string; days: number; sent?: string }> {
  const rows = statisticsRows(paths);
  const csv = stringify([['date', 'introduced', 'dropped'], ...rows]);
  const file = join(paths.dir, `Statistics-${def.token}.csv`);
  writeFileSync(file, csv, { mode: 0o600 });
  if (conf.REPORTMAIL === '') return { file, days: rows.length };
  const stamp = formatDateTime(systemClock.now());
  const sent = await sendReport({
    to: conf.REPORTMAIL,
    subject: `Statistics-${def.token} ${stamp}`,
    text: `${def.name} on this server: addresses introduced and dropped per day (${rows.length} days), attached as CSV.\n`,
    attachments: [{ filename: `Statistics-${def.token}.csv`, content: csv }],
  }, conf);
  return { file, days: rows.length, sent };
}
