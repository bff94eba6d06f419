// geotrack.db: created 0600 from the Schema, a newer version refused; the route index finds the
// most specific recorded network; GeoCount adds up in one transaction and keeps what a locked
// database refused.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openGeoDb, RouteIndex, type GeoRow } from '../../../../master/lib/geo/db.js';
import { GeoCount } from '../../../../master/lib/geo/count.js';
import { parseAddress } from '../../../../master/lib/net/address.js';
import { REPO } from '../../../helpers/install.js';

const dir = mkdtempSync(join(tmpdir(), 'geodb-'));
copyFileSync(join(REPO, 'modules/GeoTrack/Schema'), join(dir, 'Schema'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const row = (route: string, country: string): GeoRow => ({ route, ip: route.split('/')[0], country, origin: 'WatchLG', regdate: '2026-12-01 00:00:00', provider: 'RIPE' });

describe('geotrack.db', () => {
  it('is created from the Schema, 0600, with the seeds\' columns', () => {
    const db = openGeoDb(dir);
    expect(statSync(join(dir, 'geotrack.db')).mode & 0o777).toBe(0o600);
    expect((db.prepare('PRAGMA table_info(geotrack)').all() as { name: string }[]).map((c) => c.name)).toEqual(['route', 'ip', 'country', 'origin', 'regdate', 'provider']);
    expect((db.prepare('PRAGMA table_info(geocount)').all() as { name: string }[]).map((c) => c.name)).toEqual(['country', 'origin', 'count', 'lasttime']);
    db.close();
  });

  it('refuses a database newer than the code (exit 78)', () => {
    const other = mkdtempSync(join(tmpdir(), 'geodb-new-'));
    copyFileSync(join(dir, 'Schema'), join(other, 'Schema'));
    const db = new Database(join(other, 'geotrack.db'));
    db.pragma('user_version = 9');
    db.close();
    expect(() => openGeoDb(other)).toThrow(expect.objectContaining({ exitCode: 78, message: expect.stringMatching(/schema version 9 is newer/) }));
    rmSync(other, { recursive: true, force: true });
  });

  it('RouteIndex: the most specific network holding an address, both families', () => {
    const idx = new RouteIndex();
    for (const r of [row('193.0.0.0/16', 'NL'), row('193.0.8.0/21', 'RU'), row('1.2.3.4/32', 'CN'), row('2001:db8::/32', 'DE'), row('2001:db8:1::/48', 'FR')]) idx.add(r);
    const at = (a: string) => idx.find(parseAddress(a)!)?.country;
    expect([at('193.0.9.1'), at('193.0.1.1'), at('1.2.3.4'), at('1.2.3.5'), at('2001:db8:1::7'), at('2001:db8:2::7'), at('10.0.0.1')]).toEqual(['RU', 'NL', 'CN', undefined, 'FR', 'DE', undefined]);
    idx.delete('193.0.8.0/21');
    expect(at('193.0.9.1')).toBe('NL');
    expect(idx.size).toBe(4);
  });

  it('GeoCount adds up per country and module; counts wait while the database is locked', () => {
    const db = openGeoDb(dir, 50);
    const c = new GeoCount(db);
    c.count('CN', 'WatchLG'); c.count('CN', 'WatchLG'); c.count('RU', 'WatchMX');
    const lock = new Database(join(dir, 'geotrack.db'));
    lock.exec('BEGIN IMMEDIATE');
    expect(() => c.flush()).toThrow(/locked/);
    lock.exec('COMMIT'); lock.close();
    c.count('CN', 'WatchLG');
    c.flush();
    c.flush();
    expect(db.prepare('SELECT country, origin, count FROM geocount ORDER BY country').all()).toEqual([{ country: 'CN', origin: 'WatchLG', count: 3 }, { country: 'RU', origin: 'WatchMX', count: 1 }]);
    db.close();
  });
});
