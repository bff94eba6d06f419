// The rows a scanner's store keeps between its transactions: one write per address and
// transaction, and every write of another process (Expire, freeme, the companion module)
// noticed at the next transaction, never overwritten with a stale copy.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openDatabase, BanditStore, type BanditRow } from '../../../../master/lib/module/db.js';
import { countAffair } from '../../../../master/lib/module/affairs.js';
import { REPO } from '../../../helpers/install.js';

const conf = { MAX_AFFAIRS: 5, TIME_SLICE: 60 };
const SCHEMA = join(REPO, 'modules/WatchLG/Schema');

function open() {
  const path = join(mkdtempSync(join(tmpdir(), 'rowcache-')), 'WatchLG.db');
  const store = new BanditStore(openDatabase(path, SCHEMA, { busyMs: 100 }), SCHEMA);
  const other = openDatabase(path, SCHEMA);
  return { store, other };
}

/** One affair of `address` inside the store's running transaction, as the injector counts it. */
function count(store: BanditStore, address: string, now = '2026-12-01 10:00:00'): BanditRow {
  const row = store.get(address);
  const res = countAffair(row, { address, rule: 'failed-password', now, origin: 'WatchLG' }, { class: 'UNRESOLVED' }, conf);
  if (row) store.update(res.row); else store.insert(res.row);
  return res.row;
}

const changes = (s: BanditStore): number => s.db.prepare('SELECT total_changes()').pluck().get() as number;

describe('BanditStore row copy', () => {
  it('writes each address once per transaction, with the row after all its affairs', () => {
    const { store, other } = open();
    const before = changes(store);
    store.batch(() => { for (let i = 0; i < 100; i++) count(store, `192.0.2.${i % 10}`); });
    // One INSERT per address (10), not one statement per affair (100).
    expect(changes(store) - before).toBe(10);
    expect(other.prepare('SELECT affairs, status FROM bandits WHERE address = ?').get('192.0.2.3')).toEqual({ affairs: 5, status: 'DROP' });
    const mid = changes(store);
    store.batch(() => { for (let i = 0; i < 30; i++) count(store, '198.51.100.1'); count(store, '192.0.2.3'); });
    expect(changes(store) - mid).toBe(2);
    expect(other.prepare('SELECT COUNT(*) FROM bandits').pluck().get()).toBe(11);
  });

  it('sees a row another process deleted (Expire, freeme): the next affair starts it anew', () => {
    const { store, other } = open();
    store.batch(() => { count(store, '203.0.113.5'); count(store, '203.0.113.5'); });
    other.prepare('DELETE FROM bandits WHERE address = ?').run('203.0.113.5');
    const row = store.batch(() => count(store, '203.0.113.5'));
    expect(row).toMatchObject({ affairs: 1, status: 'INITIAL' });
    expect(other.prepare('SELECT affairs FROM bandits WHERE address = ?').pluck().get('203.0.113.5')).toBe(1);
  });

  it('sees affairs another module counted meanwhile (WatchMB beside WatchMX): none is lost', () => {
    const { store, other } = open();
    store.batch(() => count(store, '203.0.113.6'));
    other.prepare("UPDATE bandits SET affairs = 3, status = 'TARPIT' WHERE address = ?").run('203.0.113.6');
    expect(store.batch(() => count(store, '203.0.113.6'))).toMatchObject({ affairs: 4, status: 'TARPIT' });
    // A row another process inserted after this one found none.
    store.batch(() => expect(store.get('203.0.113.7')).toBeUndefined());
    other.prepare("INSERT INTO bandits (address, class, affairs, status, rule, first_seen, last_seen, origin) VALUES (?, 'NXDOMAIN', 4, 'INITIAL', 'x', 't', 't', 'WatchMB')").run('203.0.113.7');
    expect(store.batch(() => count(store, '203.0.113.7'))).toMatchObject({ affairs: 5, status: 'DROP', origin: 'WatchMB' });
  });

  it('forgets what a failed transaction changed: the database is the truth again', () => {
    const { store, other } = open();
    store.batch(() => count(store, '203.0.113.8'));
    expect(() => store.batch(() => { count(store, '203.0.113.8'); count(store, '203.0.113.9'); throw new Error('refused'); })).toThrow('refused');
    expect(other.prepare('SELECT address, affairs FROM bandits').all()).toEqual([{ address: '203.0.113.8', affairs: 1 }]);
    expect(store.batch(() => [count(store, '203.0.113.8').affairs, count(store, '203.0.113.9').affairs])).toEqual([2, 1]);
  });

  it('outside a transaction reads and writes the database at once', () => {
    const { store, other } = open();
    store.batch(() => count(store, '203.0.113.10'));
    other.prepare('UPDATE bandits SET affairs = 4 WHERE address = ?').run('203.0.113.10');
    expect(store.get('203.0.113.10')?.affairs).toBe(4);
    expect(store.peek('203.0.113.10')?.affairs).toBe(4);
  });
});
