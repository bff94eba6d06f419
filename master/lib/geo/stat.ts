// StatGeo: GeoCount's figures as CSV: Statistics-Geo_top10.csv (the ten countries with most
// accesses) and Statistics-Geo_<CC>.csv per country (its accesses per module and its networks),
// mailed to REPORTMAIL like the other Stats.
import { join } from 'node:path';
import { readdirSync, rmSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { formatDateTime, systemClock } from '../core/clock.js';
import { sendReport } from '../core/mail.js';
import { writeFileMode, PRIVATE_MODE } from '../core/files.js';
import type { GeoDb } from './db.js';
import type { GeoConf } from './conf.js';

export interface GeoStatistics { files: string[]; countries: number; sent?: string }

/** The CSV texts by file name: the top ten and one per country. */
export function geoStatistics(db: GeoDb): Map<string, string> {
  const out = new Map<string, string>();
  const totals = db.prepare(`SELECT c.country, SUM(c.count) AS count, MAX(c.lasttime) AS lasttime,
      (SELECT COUNT(*) FROM geotrack g WHERE g.country = c.country) AS networks
    FROM geocount c GROUP BY c.country ORDER BY count DESC, c.country`).all() as { country: string; count: number; lasttime: string; networks: number }[];
  out.set('Statistics-Geo_top10.csv', stringify([['rank', 'country', 'count', 'lasttime', 'networks'], ...totals.slice(0, 10).map((t, i) => [i + 1, t.country, t.count, t.lasttime, t.networks])]));
  const byOrigin = db.prepare('SELECT origin, count, lasttime FROM geocount WHERE country = ? ORDER BY count DESC, origin');
  const nets = db.prepare('SELECT route, ip, origin, regdate, provider FROM geotrack WHERE country = ? ORDER BY regdate, route');
  for (const t of totals) {
    if (!/^[A-Z]{2}$/.test(t.country)) continue;
    const rows: (string | number)[][] = [['origin', 'count', 'lasttime'], ...(byOrigin.raw().all(t.country) as (string | number)[][]), [], ['route', 'ip', 'origin', 'regdate', 'provider'], ...(nets.raw().all(t.country) as string[][])];
    out.set(`Statistics-Geo_${t.country}.csv`, stringify(rows));
  }
  return out;
}

/** Write the CSVs in the GeoTrack directory (those of countries no longer counted removed) and mail them when REPORTMAIL is set. */
export async function makeGeoStatistics(conf: GeoConf, db: GeoDb, dir: string): Promise<GeoStatistics> {
  const csv = geoStatistics(db);
  for (const f of readdirSync(dir)) if (/^Statistics-Geo_[A-Z]{2}\.csv$/.test(f) && !csv.has(f)) rmSync(join(dir, f), { force: true });
  const files = [...csv].map(([name, text]) => { const f = join(dir, name); writeFileMode(f, text, PRIVATE_MODE); return f; });
  const countries = csv.size - 1;
  if (conf.REPORTMAIL === '') return { files, countries };
  const sent = await sendReport({
    to: conf.REPORTMAIL,
    subject: `Statistics-Geo ${formatDateTime(systemClock.now())}`,
    text: `GeoTrack on this server: accesses per country (${countries} countries), the top ten and one file per country, attached as CSV.\n`,
    attachments: [...csv].map(([filename, content]) => ({ filename, content })),
  }, conf);
  return { files, countries, sent };
}
