// A real SMTP server for tests: Debian's python3-aiosmtpd on a loopback port, delivering into a Maildir.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from './netns.js';

const PYTHON = '/usr/bin/python3';

export interface SmtpServer {
  host: string;
  port: number;
  /** Raw messages delivered so far. */
  messages(): string[];
  stop(): Promise<void>;
}

async function answers(port: number, ns?: Netns): Promise<boolean> {
  if (ns) return (await ns.exec(PYTHON, ['-c', `import socket; socket.create_connection(('127.0.0.1', ${port}), 1).close()`])).exitCode === 0;
  return new Promise((r) => { const s = createConnection(port, '127.0.0.1'); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
}

/** Start aiosmtpd on 127.0.0.1 (inside `ns` when given; offering STARTTLS with `tls`); fails with the reason when it is missing. */
export async function startSmtp(ns?: Netns, tls?: { cert: string; key: string }): Promise<SmtpServer> {
  if (!existsSync(PYTHON) || (await execa(PYTHON, ['-c', 'import aiosmtpd'], { reject: false })).exitCode !== 0) {
    throw new Error('real component missing: python3-aiosmtpd (run .ci/run or install the Debian packages it lists)');
  }
  const maildir = mkdtempSync(join(tmpdir(), 'maildir-'));
  for (const d of ['tmp', 'new', 'cur']) mkdirSync(join(maildir, d));
  const port = 20000 + Math.floor(Math.random() * 40000);
  const args = ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, ...(tls ? ['--tlscert', tls.cert, '--tlskey', tls.key] : []), '-c', 'aiosmtpd.handlers.Mailbox', maildir];
  const [cmd, ...pre] = ns ? ns.prefix() : [PYTHON];
  const child: ResultPromise = ns ? execa(cmd, [...pre, PYTHON, ...args], { reject: false }) : execa(PYTHON, args, { reject: false });
  let err = '';
  child.stderr?.on('data', (d) => { err += d; });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await answers(port, ns)) {
      return {
        host: '127.0.0.1', port,
        messages: () => ['new', 'cur'].flatMap((d) => { const p = join(maildir, d); return existsSync(p) ? readdirSync(p).map((f) => readFileSync(join(p, f), 'utf8')) : []; }),
        stop: async () => { child.kill('SIGTERM'); await child; },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await child;
  throw new Error(`aiosmtpd did not start: ${err}`);
}
