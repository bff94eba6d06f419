// A flood of sshd lines (the deterministic genlog mix of bench/genlog.ts: 20,000 attackers,
// half of the lines from a persistent few) through the module's real scanner, injector and
// SQLite database. The database work per affair was what held the module below 100,000 lines/s:
// every affair read its row and wrote it in the transaction of its chunk. Now a row is read once
// per burst and written once per transaction; the rows must still be exactly what counting the
// affairs one by one gives, and another process's writes between two chunks must be seen.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openDatabase, BanditStore, type BanditRow } from '../../master/lib/module/db.js';
import { countAffair } from '../../master/lib/module/affairs.js';
import { Injector, type InjectRequest } from '../../master/lib/module/inject.js';
import { Scanner } from '../../master/lib/module/scanner.js';
import { DnsClassifier } from '../../master/lib/net/dns.js';
import { newCounters } from '../../master/lib/core/status.js';
import { loadRuleSet } from '../../master/lib/rules/ruleset.js';
import { generateLines } from '../../bench/genlog.js';
import { REPO } from '../helpers/install.js';

const conf = { MAX_AFFAIRS: 5, TIME_SLICE: 60 };
const SCHEMA = join(REPO, 'modules/WatchLG/Schema');
const LINES = 60_000;
/** What one read of the FIFO holds at most: the lines of a chunk are scanned, then committed. */
const CHUNK = 700;

function flood() {
  const path = join(mkdtempSync(join(tmpdir(), 'flood-')), 'WatchLG.db');
  const store = new BanditStore(openDatabase(path, SCHEMA, { busyMs: 100 }), SCHEMA);
  const counters = newCounters();
  const off = { on: false, write: () => {} };
  const fw = { add: () => {}, del: () => {}, sync: async () => {}, close: async () => {} };
  const injector = new Injector({ store, dns: new DnsClassifier({ DNS_SERVER: 'off', DNS_TIMEOUT: 1, DNS_CACHE_TTL: 0 }), fw, spare: () => false, conf, origin: 'WatchLG', counters, trace: off, log: off });
  // Every affair in the order the scanner hands it over: the reference counts them one by one.
  const submitted: InjectRequest[] = [];
  const submit = injector.submit.bind(injector);
  injector.submit = (r) => { submitted.push({ ...r }); submit(r); };
  const scanner = new Scanner(loadRuleSet(join(REPO, 'modules/WatchLG/rules')), { injector, counters, trace: off, log: off });
  const other = openDatabase(path, SCHEMA);
  return { store, counters, scanner, submitted, other };
}

/** The rows counting each affair in its own transaction would give, with `edits` of another process applied before affair i. */
function reference(submitted: InjectRequest[], edits: Map<number, (rows: Map<string, BanditRow>) => void>): Map<string, BanditRow> {
  const rows = new Map<string, BanditRow>();
  submitted.forEach((r, i) => {
    edits.get(i)?.(rows);
    rows.set(r.address, countAffair(rows.get(r.address), { address: r.address, rule: r.rule, penalty: r.penalty, now: 'x', origin: 'WatchLG' }, { class: 'UNRESOLVED' }, conf).row);
  });
  return rows;
}

describe('a flood of sshd lines through scanner, injector and database', () => {
  it('writes each attacker once per transaction, and every row is what counting the affairs one by one gives', () => {
    const { store, counters, scanner, submitted, other } = flood();
    const lines = [...generateLines(LINES)].map((l) => l.trimEnd());
    const before = store.db.prepare('SELECT total_changes()').pluck().get() as number;
    for (let i = 0; i < lines.length; i += CHUNK) scanner.scan(lines.slice(i, i + CHUNK), true);
    scanner.endSessions();
    const writes = (store.db.prepare('SELECT total_changes()').pluck().get() as number) - before;
    expect(counters.injected).toBe(submitted.length);
    expect(counters.injected).toBeGreaterThan(20_000);
    // Before: one statement per affair. Now at most one per attacker and chunk, far fewer.
    expect(writes).toBeLessThan(counters.injected * 0.8);
    const want = reference(submitted, new Map());
    const got = other.prepare('SELECT address, affairs, status FROM bandits').all() as Pick<BanditRow, 'address' | 'affairs' | 'status'>[];
    expect(got.length).toBe(want.size);
    for (const row of got) expect([row.address, row.affairs, row.status]).toEqual([row.address, want.get(row.address)!.affairs, want.get(row.address)!.status]);
  });

  it('sees what another process writes between two chunks (freeme deletes, the companion counts): no affair lost, none counted twice', () => {
    const { scanner, submitted, other } = flood();
    const lines = [...generateLines(LINES)].map((l) => l.trimEnd());
    const edits = new Map<number, (rows: Map<string, BanditRow>) => void>();
    for (let i = 0, k = 0; i < lines.length; i += CHUNK, k++) {
      scanner.scan(lines.slice(i, i + CHUNK), true);
      scanner.flush();
      // Every third chunk another process frees the attacker seen last, or counts one more affair for it.
      const victim = submitted[submitted.length - 1]?.address;
      if (!victim || k % 3 !== 0) continue;
      const at = submitted.length;
      if (k % 2 === 0) {
        other.prepare('DELETE FROM bandits WHERE address = ?').run(victim);
        edits.set(at, (rows) => { rows.delete(victim); });
      } else {
        other.prepare("UPDATE bandits SET affairs = MIN(affairs + 1, 5), status = CASE WHEN affairs + 1 >= 5 THEN 'DROP' ELSE 'TARPIT' END WHERE address = ?").run(victim);
        edits.set(at, (rows) => {
          const r = rows.get(victim)!;
          const affairs = Math.min(r.affairs + 1, 5);
          rows.set(victim, { ...r, affairs, status: affairs >= 5 ? 'DROP' : 'TARPIT' });
        });
      }
    }
    scanner.endSessions();
    const want = reference(submitted, edits);
    const got = other.prepare('SELECT address, affairs, status FROM bandits').all() as Pick<BanditRow, 'address' | 'affairs' | 'status'>[];
    expect(got.length).toBe(want.size);
    for (const row of got) expect([row.address, row.affairs, row.status]).toEqual([row.address, want.get(row.address)!.affairs, want.get(row.address)!.status]);
  });
});
