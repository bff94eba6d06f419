// The programs of GeoTrack: GeoTrack, LoadGeo, ExpireGeo, StatGeo, Prep.
import { existsSync } from 'node:fs';
import { runProgram } from '../core/cli.js';
import { LineWriter } from '../core/log.js';
import { systemClock } from '../core/clock.js';
import { checkDays } from '../module/programs.js';
import { loadGeoConf } from './conf.js';
import { geoDbPaths, openGeoDb } from './db.js';
import { expireGeo } from './expire.js';
import { geoDir, GEO_NAME, writeGeoLoadfile } from './load.js';
import { runGeoTrack } from './run.js';
import { makeGeoStatistics } from './stat.js';

/** GeoTrack: the pseudo-module, in the foreground until SIGTERM. */
export function runGeoTrackProgram(argv: string[]): Promise<number> {
  return runProgram({ name: GEO_NAME, describe: 'read $FIFO_BASE/GeoTrack (ADDR Watch<XX> from the modules), find each network and country by whois, put networks of ZONES in custody, count countries (SIGHUP rereads GeoTrack.conf)', run: () => runGeoTrack() }, argv);
}

/** LoadGeo: Loadfiles/Loadfile-GeoTrack from geotrack.db. */
export function runLoadGeoProgram(argv: string[]): Promise<number> {
  return runProgram({
    name: 'LoadGeo', describe: 'write Loadfiles/Loadfile-GeoTrack: the networks of ZONES countries in geotrack.db',
    run: () => {
      const conf = loadGeoConf();
      const t0 = systemClock.mono();
      const db = openGeoDb(geoDir());
      try {
        // Not enabled: no network of GeoTrack is loaded (the file stays, empty, so a full load drops them).
        const off = conf.ENABLED === '';
        const r = writeGeoLoadfile(off ? { zones: new Set<string>() } : conf, db);
        process.stdout.write(`LoadGeo: ${off ? 'GeoTrack is not enabled (ENABLED= in GeoTrack.conf): ' : ''}${r.custody} custody entries in ${r.file} (${((systemClock.mono() - t0) / 1000).toFixed(2)} s)\n`);
      } finally { db.close(); }
    },
  }, argv);
}

/** ExpireGeo [days]: networks recorded before that out of geotrack.db and custody. */
export function runExpireGeoProgram(argv: string[]): Promise<number> {
  return runProgram({
    name: 'ExpireGeo', describe: 'remove networks recorded more than [days] (default EXPIRATIONDAYS) ago from geotrack.db and custody',
    options: (y) => y.command('$0 [days]', 'expire', (c) => c.positional('days', { type: 'string' })),
    run: async (a: { days?: string }) => {
      checkDays(a.days);
      const conf = loadGeoConf();
      const days = a.days !== undefined ? Number(a.days) : conf.EXPIRATIONDAYS;
      const r = await expireGeo(conf, days);
      const msg = `ExpireGeo: ${r.removed} networks recorded before ${r.cutoff} (${days} days) removed, ${r.custody} of them from custody${r.kept ? ` (${r.kept} kept there: a module still drops the address)` : ''}; ${r.loadfile} written again`;
      const log = new LineWriter(conf.LOGFILE, GEO_NAME);
      log.write(msg);
      log.close();
      process.stdout.write(`${msg}\n`);
    },
  }, argv);
}

/** StatGeo: Statistics-Geo_top10.csv and the per-country CSVs, mailed to REPORTMAIL. */
export function runStatGeoProgram(argv: string[]): Promise<number> {
  return runProgram({
    name: 'StatGeo', describe: 'write Statistics-Geo_top10.csv and Statistics-Geo_<CC>.csv from GeoCount and mail them to REPORTMAIL',
    run: async () => {
      const conf = loadGeoConf();
      const db = openGeoDb(geoDir());
      try {
        const r = await makeGeoStatistics(conf, db, geoDir());
        process.stdout.write(`StatGeo: ${r.countries} countries in ${r.files.length} files in ${geoDir()}${r.sent ? `, mailed to ${conf.REPORTMAIL} via ${r.sent}` : ' (REPORTMAIL is empty: not mailed)'}\n`);
      } finally { db.close(); }
    },
  }, argv);
}

/** Prep: geotrack.db from Schema where missing. */
export function runGeoPrepProgram(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Prep', describe: 'prepare GeoTrack: geotrack.db from Schema where missing (running it twice is harmless)',
    run: () => {
      loadGeoConf();
      const { database } = geoDbPaths(geoDir());
      const existed = existsSync(database);
      const db = openGeoDb(geoDir());
      const n = (db.prepare('SELECT COUNT(*) AS n FROM geotrack').get() as { n: number }).n;
      db.close();
      process.stdout.write(`${GEO_NAME}: ${database}: ${existed ? `exists, ${n} networks` : 'created from Schema'}\n`);
    },
  }, argv);
}
