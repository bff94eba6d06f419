// A WatchMX + WatchMB pair in a sandbox (test/helpers/sandbox.ts): their FIFOs, status, pid, the shared database, logs and traces.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModuleSandbox, type ModuleSandbox, type SandboxOptions } from '../../helpers/sandbox.js';

export type Name = 'WatchMX' | 'WatchMB';

export interface MailSandbox extends ModuleSandbox {
  /** Write lines into a module's FIFO (the system logger's part). */
  feed(lines: string[], to?: Name): void;
  status(name: Name): Record<string, unknown> | undefined;
  pid(name: Name): number | undefined;
  row(address: string): Record<string, unknown> | undefined;
  query<T>(sql: string, ...args: unknown[]): T[];
  log(name: Name): string;
  trace(name: Name): string;
}

/** `conf` goes into both WatchMX.conf and WatchMB.conf, after the DNS settings. */
export async function makeMailSandbox(conf: string, opts: SandboxOptions = {}): Promise<MailSandbox> {
  const base = await makeModuleSandbox(['WatchMX', 'WatchMB'], conf, opts);
  const { inst } = base;
  return {
    ...base,
    feed: (lines, to = 'WatchMX') => appendFileSync(join(inst.fifoBase, to), lines.map((l) => `${l}\n`).join('')),
    status: (name) => base.statusOf(name),
    pid: (name) => { const s = base.read(join(inst.runDir, `${name}.pid`)).trim(); return s ? Number(s) : undefined; },
    row: (address) => base.withDb('WatchMX', (db) => db.prepare('SELECT * FROM bandits WHERE address = ?').get(address) as Record<string, unknown> | undefined),
    query: (sql, ...args) => base.withDb('WatchMX', (db) => db.prepare(sql).all(...args) as never),
    log: (name) => base.read(join(inst.logDir, `${name}.log`)),
    trace: (name) => base.read(join(inst.root, `modules/${name}/${name}.trace`)),
  };
}
