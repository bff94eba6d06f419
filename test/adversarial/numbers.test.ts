// Sane numbers: every number key of the settings has a range an administrator could mean, a
// value outside it is refused naming file:line, key, value and the range (never used: an
// EXPIRATIONDAYS of 200000000 made Expire's cutoff 'NaN-NaN-NaN' and lifted every ban), `Expire
// N` on the command line gets the same range (exit 64), and no date is ever computed as NaN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WATCHER_KEYS } from '../../common.conf.js';
import { formatDateTime } from '../../master/lib/core/clock.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS } from '../helpers/backends.js';

const DAY = 86_400_000;
const OLD = ['198.18.0.1', '198.18.0.2', '198.18.0.3'];
const RECENT = ['198.18.1.1', '198.18.1.2', '198.18.1.3', '198.18.1.4'];

describe.each(BACKENDS)('numbers in the settings and on the command line (%s)', (backend) => {
  let sb: Sandbox;
  let moduleConf: string;
  let confText: string;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nDNS_SERVER=off', { backend });
    await prepareService(sb, 'WatchLG');
    moduleConf = join(sb.inst.root, 'modules/WatchLG/WatchLG.conf');
    confText = readFileSync(moduleConf, 'utf8');
    const db = new Database(join(sb.inst.root, 'modules/WatchLG/WatchLG.db'));
    const put = db.prepare("INSERT INTO bandits (address, class, affairs, status, rule, first_seen, last_seen, drop_time, origin) VALUES (?, 'UNRESOLVED', 5, 'DROP', 'test', ?, ?, ?, 'WatchLG')");
    for (const [list, age] of [[OLD, 40], [RECENT, 1]] as const) {
      const t = formatDateTime(Date.now() - age * DAY);
      for (const a of list) put.run(a, t, t, t);
    }
    db.close();
    await startService(sb, 'WatchLG');
    await sb.run('master/watcher', ['stop']);
  }, 60_000);
  afterAll(() => closeService(sb));

  const rows = (): string[] => sb.withDb('WatchLG', (db) => (db.prepare('SELECT address FROM bandits ORDER BY address').all() as { address: string }[]).map((r) => r.address));
  const custody = async (): Promise<string[]> => [...(await sb.members('custody')).keys()].sort();
  const everyBan = [...OLD, ...RECENT].sort();

  it('EXPIRATIONDAYS=200000000 is refused with exit 78 naming file:line, key, value and range; Expire lifts no ban', async () => {
    expect(await custody()).toEqual(everyBan);
    appendFileSync(moduleConf, 'EXPIRATIONDAYS=200000000\n');
    const line = readFileSync(moduleConf, 'utf8').split('\n').length - 1;
    const r = await sb.run('modules/WatchLG/Expire');
    writeFileSync(moduleConf, confText);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain(`${moduleConf}:${line}: EXPIRATIONDAYS="200000000": not a whole number >= 0 and <= 36500`);
    expect(rows()).toEqual(everyBan);
    expect(await custody()).toEqual(everyBan);
  });

  it.each(['200000000', '36501', '-5', '1e3', '7.5', '99999999999999999999'])('Expire %s is refused with exit 64 and the range; nothing is removed', async (days) => {
    const r = await sb.run('modules/WatchLG/Expire', [days]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain(`days must be a whole number from 0 to 36500 (the range of EXPIRATIONDAYS), not "${days}"`);
    expect(rows()).toEqual(everyBan);
    expect(await custody()).toEqual(everyBan);
  });

  it('Expire 36500 (the longest) removes nothing; Expire 30 removes the rows not seen for 30 days and their custody entries', async () => {
    const longest = await sb.run('modules/WatchLG/Expire', ['36500']);
    expect(longest.exitCode, longest.stderr).toBe(0);
    expect(longest.stdout).toMatch(/^ExpireLG: 0 addresses not seen since 19\d\d-\d\d-\d\d \d\d:\d\d:\d\d \(36500 days\) removed/);
    expect(rows()).toEqual(everyBan);
    const r = await sb.run('modules/WatchLG/Expire', ['30']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ExpireLG: 3 addresses not seen since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(30 days\) removed, 3 of them from custody/);
    expect(rows()).toEqual(RECENT);
    expect(await custody()).toEqual(RECENT);
  });

  // What follows checks settings and dates, not the kernel: on one backend.
  if (backend !== 'iptables') return;

  // Every number key of watcher.conf (which also holds the module keys): one beyond each end is refused, the ends are taken.
  const ints = Object.entries(WATCHER_KEYS).flatMap(([key, spec]) => (spec.type === 'int' ? [{ key, ...spec }] : []));
  it.each(ints)('$key takes $min to $max; a value beyond is refused with its range', async ({ key, min, max, ...spec }) => {
    expect(ints.length).toBeGreaterThanOrEqual(7);
    const conf = join(sb.inst.root, 'watcher.conf');
    const saved = readFileSync(conf, 'utf8');
    try {
      for (const v of [min - 1, max + 1, '200000000000000000000000']) {
        writeFileSync(conf, `MODULES=WatchLG\n${key}=${v}\n`);
        // FillFW reads every key (watcher stop and status tolerate a typo in keys they do not need).
        const r = await sb.run('master/FillFW');
        const said = `${conf}:2: ${key}="${v}"`;
        if ('fallback' in spec && spec.fallback) {
          expect(r.exitCode, r.stderr).toBe(0);
          expect(r.stderr).toContain(`warning: ${said} is not a whole number >= ${min} and <= ${max}; using ${spec.default}`);
        } else {
          expect(r.exitCode, r.stderr).toBe(78);
          expect(r.stderr).toContain(`${said}: not a whole number >= ${min} and <= ${max}`);
        }
      }
      for (const v of [min, max]) {
        writeFileSync(conf, `MODULES=WatchLG\n${key}=${v}\n`);
        const r = await sb.run('master/FillFW');
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stderr).not.toContain(key);
      }
    } finally { writeFileSync(conf, saved); }
  });

  it('a time that is no date is an error naming it, never NaN-NaN-NaN', () => {
    expect(formatDateTime(Date.now() - 36_500 * DAY)).toMatch(/^19\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(() => formatDateTime(Date.now() - 200_000_000 * DAY)).toThrow(/^no date for -\d+ ms since 1970 \(a number out of range\): years 0 to 9999 only$/);
    expect(() => formatDateTime(NaN)).toThrow(/^no date for NaN ms since 1970/);
  });
});
