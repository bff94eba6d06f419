// One database for a module and its companion: rows keep their origin, a module class is
// stamped on every row its module counts, Stat splits introduced by origin and dropped by the
// module that dropped; a version-1 database is migrated.
import { mkdtempSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase, BanditStore, type BanditRow } from '../../../../master/lib/module/db.js';
import { countAffair } from '../../../../master/lib/module/affairs.js';
import { makeStatistics, statisticsHeader } from '../../../../master/lib/module/stat.js';
import { modulePaths } from '../../../../master/lib/module/def.js';
import { REPO } from '../../../helpers/install.js';

const conf = { MAX_AFFAIRS: 5, TIME_SLICE: 60 };
const truehost = { class: 'TRUEHOST' as const };

describe('shared database of a module and its companion', () => {
  it('an affair counted by a module with a class stamps it; origin stays the introducer', () => {
    const first = countAffair(undefined, { address: '192.0.2.1', rule: 'NXdomain', now: 't1', origin: 'WatchMX' }, truehost, conf).row;
    expect(first).toMatchObject({ origin: 'WatchMX', modclass: null, affairs: 1 });
    const second = countAffair(first, { address: '192.0.2.1', rule: 'SASL-login-failed', now: 't2', origin: 'WatchMB', modclass: 'Breaker' }, truehost, conf).row;
    expect(second).toMatchObject({ origin: 'WatchMX', modclass: 'Breaker', affairs: 2, rule: 'SASL-login-failed' });
    const third = countAffair(second, { address: '192.0.2.1', rule: 'NOQUEUE', now: 't3', origin: 'WatchMX' }, truehost, conf).row;
    expect(third).toMatchObject({ modclass: 'Breaker', affairs: 3, dropped_by: null });
    const fourth = countAffair(third, { address: '192.0.2.1', rule: 'NOQUEUE', now: 't4', origin: 'WatchMX' }, truehost, conf).row;
    const dropped = countAffair(fourth, { address: '192.0.2.1', rule: 'SASL-login-failed', now: 't5', origin: 'WatchMB', modclass: 'Breaker' }, truehost, conf).row;
    expect(dropped).toMatchObject({ status: 'DROP', origin: 'WatchMX', dropped_by: 'WatchMB', drop_time: 't5' });
    // A DROP row stays as it was dropped.
    expect(countAffair(dropped, { address: '192.0.2.1', rule: 'NOQUEUE', now: 't6', origin: 'WatchMX' }, truehost, conf).row).toMatchObject({ dropped_by: 'WatchMB', drop_time: 't5' });
  });

  it('the store writes the class of an update', () => {
    const dir = mkdtempSync(join(tmpdir(), 'origins-'));
    const db = openDatabase(join(dir, 'x.db'), join(REPO, 'modules/WatchLG/Schema'));
    const s = new BanditStore(db);
    const row: BanditRow = { address: '192.0.2.2', class: 'TRUEHOST', host: null, affairs: 1, status: 'INITIAL', rule: 'r', modclass: null, first_seen: 'a', last_seen: 'a', drop_time: null, origin: 'WatchMX' };
    s.batch(() => s.insert(row));
    s.batch(() => s.update({ ...row, affairs: 2, status: 'TARPIT', modclass: 'Breaker' }));
    expect(s.get('192.0.2.2')).toMatchObject({ affairs: 2, modclass: 'Breaker', origin: 'WatchMX' });
    db.close();
  });

  it('Stat of a module with a companion: one CSV, totals and the figures of each origin', async () => {
    const master = mkdtempSync(join(tmpdir(), 'statmx-'));
    const def = { name: 'WatchMX', token: 'MX', companion: 'WatchMB' };
    const paths = modulePaths(def, master);
    mkdirSync(paths.dir, { recursive: true });
    copyFileSync(join(REPO, 'modules/WatchMX/Schema'), paths.schema);
    const db = openDatabase(paths.database, paths.schema);
    const s = new BanditStore(db);
    const add = (address: string, origin: string, first: string, drop: string | null, by = origin) => s.insert({ address, class: 'NXDOMAIN', host: null, affairs: drop ? 5 : 4, status: drop ? 'DROP' : 'INITIAL', rule: 'r', modclass: origin === 'WatchMB' ? 'Breaker' : null, first_seen: first, last_seen: first, drop_time: drop, origin, dropped_by: drop ? by : null });
    add('192.0.2.1', 'WatchMX', '2026-11-01 10:00:00', null);
    add('192.0.2.2', 'WatchMX', '2026-11-01 11:00:00', '2026-11-02 09:00:00');
    add('192.0.2.3', 'WatchMB', '2026-11-02 12:00:00', '2026-11-02 12:00:05');
    add('192.0.2.4', 'WatchMB', '2026-11-02 13:00:00', null);
    // Introduced by WatchMX, dropped by WatchMB's rule: a drop of WatchMB.
    add('192.0.2.5', 'WatchMX', '2026-11-01 12:00:00', '2026-11-02 14:00:00', 'WatchMB');
    db.close();
    expect(statisticsHeader(['WatchMX', 'WatchMB'])).toEqual(['date', 'introduced', 'dropped', 'introduced WatchMX', 'dropped WatchMX', 'introduced WatchMB', 'dropped WatchMB']);
    const r = await makeStatistics(def, { REPORTMAIL: '' } as never, paths);
    expect(r.file).toBe(join(paths.dir, 'Statistics-MX.csv'));
    expect(readFileSync(r.file, 'utf8')).toBe([
      'date,introduced,dropped,introduced WatchMX,dropped WatchMX,introduced WatchMB,dropped WatchMB',
      '2026-11-01,3,0,3,0,0,0',
      '2026-11-02,2,3,0,1,2,2',
      '',
    ].join('\n'));
  });

  it('a version-1 database (no dropped_by) is migrated on open; its old drops count by origin', async () => {
    const master = mkdtempSync(join(tmpdir(), 'migrate-'));
    const def = { name: 'WatchMX', token: 'MX', companion: 'WatchMB' };
    const paths = modulePaths(def, master);
    mkdirSync(paths.dir, { recursive: true });
    copyFileSync(join(REPO, 'modules/WatchMX/Schema'), paths.schema);
    const v1 = new Database(paths.database);
    v1.exec(`CREATE TABLE bandits (address TEXT PRIMARY KEY, class TEXT NOT NULL, host TEXT, affairs INTEGER NOT NULL, status TEXT NOT NULL,
      rule TEXT NOT NULL, modclass TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, drop_time TEXT, origin TEXT NOT NULL) WITHOUT ROWID;
      PRAGMA user_version = 1;
      INSERT INTO bandits VALUES ('192.0.2.7', 'NXDOMAIN', NULL, 5, 'DROP', 'r', 'Breaker', '2026-11-01 10:00:00', '2026-11-01 10:00:00', '2026-11-01 10:00:00', 'WatchMX');`);
    v1.close();
    // Two openers at once (WatchMX and WatchMB starting): migrated once, no error.
    const [a, b] = [openDatabase(paths.database, paths.schema), openDatabase(paths.database, paths.schema)];
    expect(a.pragma('user_version', { simple: true })).toBe(2);
    expect(b.prepare('SELECT * FROM bandits').all()).toEqual([expect.objectContaining({ address: '192.0.2.7', origin: 'WatchMX', dropped_by: null })]);
    const s = new BanditStore(b);
    s.batch(() => s.insert({ address: '192.0.2.8', class: 'NXDOMAIN', host: null, affairs: 5, status: 'DROP', rule: 'r', modclass: 'Breaker', first_seen: '2026-11-01 11:00:00', last_seen: '2026-11-01 11:00:00', drop_time: '2026-11-01 11:00:00', origin: 'WatchMX', dropped_by: 'WatchMB' }));
    a.close();
    b.close();
    const r = await makeStatistics(def, { REPORTMAIL: '' } as never, paths);
    expect(readFileSync(r.file, 'utf8').split('\n')[1]).toBe('2026-11-01,2,2,2,1,0,1');
    // A database newer than this Watcher is refused.
    const v3 = new Database(paths.database);
    v3.pragma('user_version = 3');
    v3.close();
    expect(() => openDatabase(paths.database, paths.schema)).toThrow(/schema version 3 is newer than this Watcher \(2\)/);
  });
});
