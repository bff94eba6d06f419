// Mail of reports (Stat<XX>): nodemailer through SMTP_HOST, or the local sendmail via the runner.
import nodemailer from 'nodemailer';
import { run } from './runner.js';

export interface MailConf { MAIL_FROM: string; SMTP_HOST: string; SMTP_PORT: number; SENDMAIL: string }

export interface Report { to: string; subject: string; text: string; attachments: { filename: string; content: string }[] }

/** Send a report; returns how it went out (for the program's message). */
export async function sendReport(r: Report, conf: MailConf): Promise<string> {
  const message = { from: conf.MAIL_FROM, to: r.to, subject: r.subject, text: r.text, attachments: r.attachments.map((a) => ({ ...a, contentType: 'text/csv' })) };
  if (conf.SMTP_HOST !== '') {
    const t = nodemailer.createTransport({ host: conf.SMTP_HOST, port: conf.SMTP_PORT, secure: conf.SMTP_PORT === 465, tls: { rejectUnauthorized: false } });
    const info = await t.sendMail(message);
    return `SMTP ${conf.SMTP_HOST}:${conf.SMTP_PORT} (${info.response})`;
  }
  const built = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(message);
  await run(conf.SENDMAIL, ['-i', '-t'], { input: built.message as Buffer });
  return conf.SENDMAIL;
}
