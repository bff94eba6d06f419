// LoadGeo: the networks of ZONES countries in geotrack.db as Loadfiles/Loadfile-GeoTrack.
import { closeSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatDateTime, systemClock } from '../core/clock.js';
import { MASTER_PATH, moduleDir } from '../core/paths.js';
import { openFileMode, PRIVATE_MODE } from '../core/files.js';
import { parseNet } from '../net/address.js';
import type { GeoDb } from './db.js';

export const GEO_NAME = 'GeoTrack';

/** modules/GeoTrack of this installation. */
export function geoDir(master: string = MASTER_PATH): string { return moduleDir(GEO_NAME, master); }

/** Loadfiles/Loadfile-GeoTrack of this installation. */
export function geoLoadfile(master: string = MASTER_PATH): string { return join(master, 'Loadfiles', `Loadfile-${GEO_NAME}`); }

/** Write `add custody <net>` for every network of a ZONES country (tmp file + rename); returns the file and the count. */
export function writeGeoLoadfile(conf: { zones: Set<string> }, db: GeoDb): { file: string; custody: number } {
  const file = geoLoadfile();
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openFileMode(tmp, 'w', PRIVATE_MODE);
  let custody = 0;
  let buf = `# Loadfile-${GEO_NAME}, written by LoadGeo ${formatDateTime(systemClock.now())}: networks of ZONES '${[...conf.zones].join(' ').toLowerCase()}'\n`;
  try {
    for (const r of db.prepare('SELECT route, country FROM geotrack ORDER BY route').iterate() as Iterable<{ route: string; country: string }>) {
      const n = parseNet(r.route);
      if (!n || !conf.zones.has(r.country)) continue;
      buf += `add custody ${n.text}\n`;
      custody++;
      if (buf.length > 1 << 20) { writeSync(fd, buf); buf = ''; }
    }
    writeSync(fd, buf);
  } finally { closeSync(fd); }
  renameSync(tmp, file);
  return { file, custody };
}
