// WatchMX, WatchMB and ExpireMX writing one database at the same moment: no lost update,
// no SQLITE_BUSY failure, no affair lost.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { isAlive } from '../../../master/lib/core/lock.js';
import { makeMailSandbox, type MailSandbox } from './sandbox.js';

const H = 'Nov  1 00:00:00 vmd28527';
const ADDRESSES = Array.from({ length: 200 }, (_, i) => `198.18.${i >> 8}.${(i & 255) + 1}`);
const OLD = 100_000;
const old = (i: number): string => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
/** Old rows that get affairs while Expire runs: the last ones it comes to. */
const REVIVED = Array.from({ length: 100 }, (_, j) => old(OLD - 1 - j * 97));

describe('WatchMX + WatchMB + ExpireMX on one database', () => {
  let sb: MailSandbox;
  let mx: ResultPromise;
  beforeAll(async () => {
    // DNS off: every address starts at 1, so each line is exactly one affair.
    sb = await makeMailSandbox('TRACE=\nGEOTRACK=\nMAX_AFFAIRS=30\nTIME_SLICE=1', { dns: false });
    expect((await sb.run('modules/WatchMX/Prep')).exitCode).toBe(0);
    const db = new Database(join(sb.inst.root, 'modules/WatchMX/WatchMX.db'));
    const ins = db.prepare("INSERT INTO bandits VALUES (?, 'UNRESOLVED', NULL, 1, 'INITIAL', 'old', NULL, '2020-01-01 00:00:00', '2020-01-01 00:00:00', NULL, 'WatchMX', NULL)");
    db.transaction(() => { for (let i = 0; i < OLD; i++) ins.run(old(i)); })();
    db.close();
    mx = sb.start('modules/WatchMX/WatchMX');
    await sb.waitFor('both status files', () => sb.status('WatchMX') && sb.status('WatchMB'));
  }, 60_000);
  afterAll(async () => {
    for (const name of ['WatchMB', 'WatchMX'] as const) { const p = sb?.pid(name); if (p && isAlive(p)) process.kill(p, 'SIGKILL'); }
    if (mx && mx.exitCode === null) { mx.kill('SIGKILL'); await mx; }
    await sb?.close();
  });

  it('counts every affair of both modules while Expire deletes 100k rows; an old row counted meanwhile is never lost', async () => {
    let done = false;
    const expire = sb.run('modules/WatchMX/ExpireMX', ['30']).finally(() => { done = true; });
    // Feed rounds until Expire is through (at most 14: 28 affairs < MAX_AFFAIRS), and note
    // what was left of the old rows at each round: proof that the writes overlapped.
    const left: number[] = [];
    let rounds = 0;
    let revived = 0;
    while (rounds < 14 && (!done || rounds < 4)) {
      // Old addresses seen again while Expire may be deleting them.
      if (!done && revived < 3) {
        revived++;
        sb.feed(REVIVED.map((a) => `${H} postfix/smtpd[${rounds}]: NOQUEUE: reject: RCPT from unknown[${a}]: 554 5.7.1 <x@example.com>: Relay access denied; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<h>`));
      }
      sb.feed(ADDRESSES.flatMap((a) => [
        `${H} postfix/smtpd[${rounds}]: NOQUEUE: reject: RCPT from unknown[${a}]: 554 5.7.1 <x@example.com>: Relay access denied; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<h>`,
        `${H} postfix/smtpd[${rounds}]: warning: unknown[${a}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
      ]));
      rounds++;
      left.push(sb.query<{ n: number }>("SELECT COUNT(*) AS n FROM bandits WHERE address LIKE '10.%'")[0].n);
      await new Promise((res) => setTimeout(res, 150));
    }
    expect(left.some((n) => n > 0 && n < OLD), `old rows left at each round: ${left.join(' ')}`).toBe(true);
    const n = ADDRESSES.length * rounds;
    const extra = REVIVED.length * revived;
    expect(revived).toBeGreaterThan(0);
    await sb.waitFor('every line counted', () => sb.status('WatchMX')?.injected === n + extra && sb.status('WatchMB')?.injected === n, 60_000);
    const ex = await expire;
    expect(ex.exitCode, ex.stderr).toBe(0);
    // A revived row counted before Expire came to it keeps its old affair (1 + revived); one
    // Expire deleted first starts again (revived). Either way it is there with every affair.
    const back = sb.query<{ address: string; affairs: number }>("SELECT address, affairs FROM bandits WHERE address LIKE '10.%'");
    expect(back.map((r) => r.address).sort()).toEqual([...REVIVED].sort());
    expect(back.filter((r) => r.affairs !== revived && r.affairs !== revived + 1)).toEqual([]);
    const kept = back.filter((r) => r.affairs === revived + 1).length;
    expect(ex.stdout).toMatch(new RegExp(`ExpireMX: ${OLD - kept} addresses not seen since .* removed`));
    const rows = sb.query<{ address: string; affairs: number; modclass: string }>("SELECT address, affairs, modclass FROM bandits WHERE address LIKE '198.18.%'");
    expect(rows).toHaveLength(ADDRESSES.length);
    expect(rows.filter((r) => r.affairs !== 2 * rounds)).toEqual([]);
    expect(rows.every((r) => r.modclass === 'Breaker')).toBe(true);
    for (const name of ['WatchMX', 'WatchMB'] as const) {
      // Expire may hold the lock longer than a scanner waits: its affairs are then held and
      // written a moment later (counted above), never failed nor lost.
      expect(sb.log(name)).not.toMatch(/SQLITE_BUSY|failed|lost|not written/);
      expect(sb.status(name)).toMatchObject({ lines: name === 'WatchMX' ? 2 * n + extra : n, untreated: 0 });
    }
  }, 120_000);
});
