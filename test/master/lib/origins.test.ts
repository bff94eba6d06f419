// One database for a module and its companion: rows keep their origin, a module class is
// stamped on every row its module counts, Stat splits the figures by origin.
import { mkdtempSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openDatabase, BanditStore, type BanditRow } from '../../../master/lib/db.js';
import { countAffair } from '../../../master/lib/affairs.js';
import { makeStatistics, statisticsHeader } from '../../../master/lib/module/stat.js';
import { modulePaths } from '../../../master/lib/module/def.js';
import { REPO } from '../../helpers/install.js';

const conf = { MAX_AFFAIRS: 5, TIME_SLICE: 60 };
const truehost = { class: 'TRUEHOST' as const };

describe('shared database of a module and its companion', () => {
  it('an affair counted by a module with a class stamps it; origin stays the introducer', () => {
    const first = countAffair(undefined, { address: '192.0.2.1', rule: 'NXdomain', now: 't1', origin: 'WatchMX' }, truehost, conf).row;
    expect(first).toMatchObject({ origin: 'WatchMX', modclass: null, affairs: 1 });
    const second = countAffair(first, { address: '192.0.2.1', rule: 'SASL-login-failed', now: 't2', origin: 'WatchMB', modclass: 'Breaker' }, truehost, conf).row;
    expect(second).toMatchObject({ origin: 'WatchMX', modclass: 'Breaker', affairs: 2, rule: 'SASL-login-failed' });
    const third = countAffair(second, { address: '192.0.2.1', rule: 'NOQUEUE', now: 't3', origin: 'WatchMX' }, truehost, conf).row;
    expect(third).toMatchObject({ modclass: 'Breaker', affairs: 3 });
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
    const add = (address: string, origin: string, first: string, drop: string | null) => s.insert({ address, class: 'NXDOMAIN', host: null, affairs: drop ? 5 : 4, status: drop ? 'DROP' : 'INITIAL', rule: 'r', modclass: origin === 'WatchMB' ? 'Breaker' : null, first_seen: first, last_seen: first, drop_time: drop, origin });
    add('192.0.2.1', 'WatchMX', '2026-11-01 10:00:00', null);
    add('192.0.2.2', 'WatchMX', '2026-11-01 11:00:00', '2026-11-02 09:00:00');
    add('192.0.2.3', 'WatchMB', '2026-11-02 12:00:00', '2026-11-02 12:00:05');
    add('192.0.2.4', 'WatchMB', '2026-11-02 13:00:00', null);
    db.close();
    expect(statisticsHeader(['WatchMX', 'WatchMB'])).toEqual(['date', 'introduced', 'dropped', 'introduced WatchMX', 'dropped WatchMX', 'introduced WatchMB', 'dropped WatchMB']);
    const r = await makeStatistics(def, { REPORTMAIL: '' } as never, paths);
    expect(r.file).toBe(join(paths.dir, 'Statistics-MX.csv'));
    expect(readFileSync(r.file, 'utf8')).toBe([
      'date,introduced,dropped,introduced WatchMX,dropped WatchMX,introduced WatchMB,dropped WatchMB',
      '2026-11-01,2,0,2,0,0,0',
      '2026-11-02,2,2,0,1,2,1',
      '',
    ].join('\n'));
  });
});
