// Mail of reports (Stat<XX>): nodemailer through SMTP_HOST, or the local sendmail via the runner.
import nodemailer from 'nodemailer';
import { run } from './runner.js';
import { WatcherError, EX_UNAVAILABLE } from './exit.js';

export interface MailConf { MAIL_FROM: string; SMTP_HOST: string; SMTP_PORT: number; SENDMAIL: string; SMTP_TLS_VERIFY?: string }

export interface Report { to: string; subject: string; text: string; attachments: { filename: string; content: string }[] }

/** Send a report; returns how it went out (for the program's message). A server that cannot be reached or refuses is EX_UNAVAILABLE. */
export async function sendReport(r: Report, conf: MailConf): Promise<string> {
  const message = { from: conf.MAIL_FROM, to: r.to, subject: r.subject, text: r.text, attachments: r.attachments.map((a) => ({ ...a, contentType: 'text/csv' })) };
  if (conf.SMTP_HOST !== '') {
    const where = `${conf.SMTP_HOST}:${conf.SMTP_PORT}`;
    const t = nodemailer.createTransport({ host: conf.SMTP_HOST, port: conf.SMTP_PORT, secure: conf.SMTP_PORT === 465, tls: { rejectUnauthorized: conf.SMTP_TLS_VERIFY !== 'no' }, connectionTimeout: 15_000 });
    try {
      const info = await t.sendMail(message);
      return `SMTP ${where} (${info.response})`;
    } catch (e) {
      throw new WatcherError(`mail not sent: SMTP server ${where}: ${(e as Error).message}`, EX_UNAVAILABLE);
    }
  }
  const built = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(message);
  try { await run(conf.SENDMAIL, ['-i', '-t'], { input: built.message as Buffer }); }
  catch (e) { throw new WatcherError(`mail not sent: ${conf.SENDMAIL}: ${(e as Error).message}`, EX_UNAVAILABLE); }
  return conf.SENDMAIL;
}
