// Stat<XX>: the CSV from a real database, mailed through a real SMTP server (aiosmtpd).
import { mkdtempSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, BanditStore } from '../../../master/lib/db.js';
import { makeStatistics } from '../../../master/lib/module/stat.js';
import { modulePaths } from '../../../master/lib/module/def.js';
import { startSmtp, type SmtpServer } from '../../helpers/smtp.js';
import { REPO } from '../../helpers/install.js';

describe('statistics', () => {
  let smtp: SmtpServer;
  const master = mkdtempSync(join(tmpdir(), 'stat-'));
  const def = { name: 'WatchLG', token: 'LG' };
  const paths = modulePaths(def, master);
  beforeAll(async () => {
    smtp = await startSmtp();
    mkdirSync(paths.dir, { recursive: true });
    copyFileSync(join(REPO, 'modules/WatchLG/Schema'), paths.schema);
    const db = openDatabase(paths.database, paths.schema);
    const s = new BanditStore(db);
    const row = (address: string, first: string, drop: string | null) => s.insert({ address, class: 'NXDOMAIN', host: null, affairs: drop ? 5 : 4, status: drop ? 'DROP' : 'INITIAL', rule: 'r', modclass: null, first_seen: first, last_seen: first, drop_time: drop, origin: 'WatchLG' });
    row('192.0.2.1', '2026-11-01 10:00:00', null);
    row('192.0.2.2', '2026-11-01 11:00:00', '2026-11-02 09:00:00');
    row('192.0.2.3', '2026-11-02 12:00:00', '2026-11-02 12:00:05');
    db.close();
  });
  afterAll(async () => { await smtp?.stop(); });

  const conf = (extra: object) => ({ REPORTMAIL: '', MAIL_FROM: 'watcher@test.example', SMTP_HOST: '', SMTP_PORT: 25, SENDMAIL: '/usr/sbin/sendmail', ...extra }) as never;

  it('writes introduced and dropped per day as CSV; without REPORTMAIL it only writes the file', async () => {
    const r = await makeStatistics(def, conf({}), paths);
    expect(r).toEqual({ file: join(paths.dir, 'Statistics-LG.csv'), days: 2 });
    expect(readFileSync(r.file, 'utf8')).toBe('date,introduced,dropped\n2026-11-01,2,0\n2026-11-02,1,2\n');
  });

  it('mails it to REPORTMAIL with the subject Statistics-LG <timestamp> and the CSV attached', async () => {
    const r = await makeStatistics(def, conf({ REPORTMAIL: 'admin@test.example', SMTP_HOST: smtp.host, SMTP_PORT: smtp.port }), paths);
    expect(r.sent).toMatch(/^SMTP 127\.0\.0\.1:\d+ \(250 /);
    const msgs = smtp.messages();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/^Subject: Statistics-LG \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(msgs[0]).toMatch(/^To: admin@test\.example$/m);
    expect(msgs[0]).toMatch(/filename=Statistics-LG\.csv/);
    expect(msgs[0]).toContain(Buffer.from('date,introduced,dropped\n2026-11-01,2,0\n2026-11-02,1,2\n').toString('base64'));
  });
});
