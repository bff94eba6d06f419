// The -shm file of a module database going bad under an open connection (real files, real
// chattr, truncate and rm): the store refuses to touch it, says why, and opens the database
// again once that is safe; nothing written before is lost.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, BanditStore, type BanditRow } from '../../../../master/lib/module/db.js';
import { requireTools } from '../../../helpers/netns.js';
import { REPO } from '../../../helpers/install.js';

const SCHEMA = join(REPO, 'modules/WatchLG/Schema');
const row = (i: number): BanditRow => ({ address: `192.0.2.${i}`, class: 'TRUEHOST', host: null, affairs: 1, status: 'INITIAL', rule: 'r', modclass: null, first_seen: '2026-01-01 00:00:00', last_seen: '2026-01-01 00:00:00', drop_time: null, origin: 'WatchLG' });

describe('BanditStore and its -shm file', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });
  function open(): { store: BanditStore; shm: string; notices: string[]; path: string } {
    const path = join(mkdtempSync(join(tmpdir(), 'shm-')), 'WatchLG.db');
    const store = new BanditStore(openDatabase(path, SCHEMA, { busyMs: 100 }), SCHEMA);
    const notices: string[] = [];
    store.onNotice = (m) => notices.push(m);
    store.batch(() => { for (let i = 1; i <= 10; i++) store.insert(row(i)); });
    cleanup.push(async () => { await execa('chattr', ['-i', `${path}-shm`], { reject: false }); store.close(); rmSync(join(path, '..'), { recursive: true, force: true }); });
    return { store, shm: `${path}-shm`, notices, path };
  }
  const count = (s: BanditStore): number => (s.db.prepare('SELECT count(*) AS n FROM bandits').get() as { n: number }).n;
  const integrity = async (path: string): Promise<string> => (await execa('sqlite3', [path, 'PRAGMA integrity_check'])).stdout;

  it('refuses every use while the file is immutable, and opens the database again once it is writable', async () => {
    requireTools(['chattr', 'sqlite3']);
    const { store, shm, notices, path } = open();
    await execa('chattr', ['+i', shm]);
    expect(store.unusable()).toBe('WatchLG.db-shm is not writable (EPERM: immutable? lsattr, chattr -i)');
    expect(() => store.batch(() => store.insert(row(11)))).toThrow('WatchLG.db-shm is not writable');
    expect(() => store.peek('192.0.2.1')).toThrow('WatchLG.db-shm is not writable');
    await execa('chattr', ['-i', shm]);
    expect(store.unusable()).toBeUndefined();
    expect(notices).toEqual(['WatchLG.db-shm is usable again: database opened again']);
    store.batch(() => store.insert(row(11)));
    expect(count(store)).toBe(11);
    expect(await integrity(path)).toBe('ok');
  });

  it('opens the database again when the file is removed under it', async () => {
    requireTools(['sqlite3']);
    const { store, shm, notices, path } = open();
    rmSync(shm);
    expect(store.unusable()).toBeUndefined();
    expect(notices).toEqual(['WatchLG.db-shm vanished under the open database: database opened again']);
    store.batch(() => store.insert(row(11)));
    expect(statSync(shm).size).toBeGreaterThan(0);
    expect(count(store)).toBe(11);
    expect(await integrity(path)).toBe('ok');
  });

  it('extends a truncated file back (by another process) before it opens the database again', async () => {
    requireTools(['truncate', 'sqlite3']);
    const { store, shm, notices, path } = open();
    const size = statSync(shm).size;
    // By another process, as an administrator would (an open and close here would drop this process's locks).
    await execa('truncate', ['-s', '0', shm]);
    expect(store.unusable()).toBe(`WatchLG.db-shm was truncated (0 of ${size} bytes)`);
    const end = Date.now() + 10_000;
    let problem: string | undefined = 'not yet';
    while (problem && Date.now() < end) { await new Promise((r) => setTimeout(r, 20)); problem = store.unusable(); }
    expect(problem).toBeUndefined();
    expect(notices).toEqual(['WatchLG.db-shm is usable again: database opened again']);
    store.batch(() => store.insert(row(11)));
    expect(count(store)).toBe(11);
    expect(await integrity(path)).toBe('ok');
  });
});
