// geotrack.db: the networks found (geotrack), GeoCount's counts (geocount) and the addresses
// waiting for a query (queue). Attacker data: 0600, WAL, a busy timeout like the module databases.
import { existsSync, readFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { touchFileMode, PRIVATE_MODE } from '../core/files.js';
import { netOf, parseNet, type Net } from '../net/address.js';

export type GeoDb = Database.Database;
export const GEO_SCHEMA_VERSION = 1;

/** A row of the geotrack table. */
export interface GeoRow { route: string; ip: string; country: string; origin: string; regdate: string; provider: string }

/** geotrack.db and the Schema of the GeoTrack directory. */
export function geoDbPaths(dir: string): { database: string; schema: string } {
  return { database: join(dir, 'geotrack.db'), schema: join(dir, 'Schema') };
}

/** Open geotrack.db, created from Schema where missing; a newer version is refused (exit 78). */
export function openGeoDb(dir: string, busyMs = 10_000): GeoDb {
  const { database, schema } = geoDbPaths(dir);
  if (!existsSync(database)) touchFileMode(database, PRIVATE_MODE);
  else chmodSync(database, PRIVATE_MODE);
  const db = new Database(database);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${busyMs}`);
  const v = db.pragma('user_version', { simple: true }) as number;
  if (v === 0) {
    if (!existsSync(schema)) { db.close(); throw new WatcherError(`${schema}: schema file missing`, EX_CONFIG); }
    db.exec(readFileSync(schema, 'utf8'));
  } else if (v > GEO_SCHEMA_VERSION) {
    db.close();
    throw new WatcherError(`${database}: schema version ${v} is newer than this Watcher (${GEO_SCHEMA_VERSION})`, EX_CONFIG);
  }
  return db;
}

/**
 * The routes of geotrack.db by prefix length: the most specific route that holds an address in
 * one probe per prefix length in use.
 */
export class RouteIndex {
  private readonly byPrefix = [new Map<number, Map<string, GeoRow>>(), new Map<number, Map<string, GeoRow>>()];
  size = 0;

  /** Prefix lengths in use per family, longest first. */
  private readonly prefixes: number[][] = [[], []];

  add(row: GeoRow): void {
    const n = parseNet(row.route);
    if (!n) return;
    const f = n.family === 4 ? 0 : 1;
    const m = this.byPrefix[f];
    let s = m.get(n.prefix);
    if (!s) {
      m.set(n.prefix, (s = new Map()));
      this.prefixes[f] = [...m.keys()].sort((x, y) => y - x);
    }
    if (!s.has(String(n.base))) this.size++;
    s.set(String(n.base), row);
  }

  delete(route: string): void {
    const n = parseNet(route);
    const s = n && this.byPrefix[n.family === 4 ? 0 : 1].get(n.prefix);
    if (s && s.delete(String(n.base))) this.size--;
  }

  /** The most specific route that holds the address (parsed). */
  find(a: Net): GeoRow | undefined {
    const f = a.family === 4 ? 0 : 1;
    const m = this.byPrefix[f];
    for (const p of this.prefixes[f]) {
      const hit = m.get(p)!.get(String(netOf(a.family, a.base, p).base));
      if (hit) return hit;
    }
    return undefined;
  }

  /** Every route of the database. */
  static load(db: GeoDb): RouteIndex {
    const idx = new RouteIndex();
    for (const r of db.prepare('SELECT route, ip, country, origin, regdate, provider FROM geotrack').iterate() as Iterable<GeoRow>) idx.add(r);
    return idx;
  }
}
