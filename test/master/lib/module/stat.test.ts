// Stat<XX>: the CSV from a real database, mailed through a real SMTP server (aiosmtpd).
import { mkdtempSync, readFileSync, mkdirSync, copyFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { execa } from 'execa';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, BanditStore } from '../../../../master/lib/module/db.js';
import { makeStatistics } from '../../../../master/lib/module/stat.js';
import { modulePaths } from '../../../../master/lib/module/def.js';
import { startSmtp, type SmtpServer } from '../../../helpers/smtp.js';
import { REPO, makeInstallation } from '../../../helpers/install.js';

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

  it('mails through the local sendmail when SMTP_HOST is empty; a failing sendmail is EX_UNAVAILABLE (69)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sendmail-')), 'out');
    process.env.SENDMAIL_OUT = out;
    try {
      const r = await makeStatistics(def, conf({ REPORTMAIL: 'admin@test.example', SENDMAIL: join(REPO, 'test/fixtures/sendmail.mjs') }), paths);
      expect(r.sent).toBe(join(REPO, 'test/fixtures/sendmail.mjs'));
      const got = readFileSync(out, 'utf8');
      expect(got).toMatch(/^ARGS -i -t\n/);
      expect(got).toMatch(/^Subject: Statistics-LG \d{4}-/m);
      expect(got).toMatch(/^To: admin@test\.example$/m);
      process.env.SENDMAIL_EXIT = '75';
      await expect(makeStatistics(def, conf({ REPORTMAIL: 'a@b.c', SENDMAIL: join(REPO, 'test/fixtures/sendmail.mjs') }), paths)).rejects.toMatchObject({ exitCode: 69 });
    } finally { delete process.env.SENDMAIL_OUT; delete process.env.SENDMAIL_EXIT; }
  });

  it('StatLG exits 69 naming the server when SMTP_HOST cannot be reached; the CSV is written all the same', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r)); // nothing listens there now
    const inst = makeInstallation();
    try {
      inst.write('watcher.conf', `REPORTMAIL=admin@test.example\nSMTP_HOST=127.0.0.1\nSMTP_PORT=${port}\n`);
      const env = { ...process.env, ...inst.env };
      expect((await execa(join(inst.root, 'modules/WatchLG/Prep'), [], { env, reject: false })).exitCode).toBe(0);
      const r = await execa(join(inst.root, 'modules/WatchLG/StatLG'), [], { env, reject: false });
      expect(r.exitCode, r.stderr).toBe(69);
      expect(r.stderr).toContain(`StatLG: mail not sent: SMTP server 127.0.0.1:${port}: `);
      expect(existsSync(join(inst.root, 'modules/WatchLG/Statistics-LG.csv'))).toBe(true);
    } finally { inst.remove(); }
  });

  it('checks the certificate of an SMTP server offering STARTTLS unless SMTP_TLS_VERIFY=no', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost']);
    const tls = await startSmtp(undefined, { cert, key });
    try {
      const base = { REPORTMAIL: 'admin@test.example', SMTP_HOST: tls.host, SMTP_PORT: tls.port };
      await expect(makeStatistics(def, conf(base), paths)).rejects.toMatchObject({ exitCode: 69, message: expect.stringMatching(/mail not sent: SMTP server 127\.0\.0\.1:\d+: .*self[- ]signed certificate/) });
      expect(tls.messages()).toHaveLength(0);
      const r = await makeStatistics(def, conf({ ...base, SMTP_TLS_VERIFY: 'no' }), paths);
      expect(r.sent).toMatch(/\(250 /);
      expect(tls.messages()).toHaveLength(1);
    } finally { await tls.stop(); }
  });
});
