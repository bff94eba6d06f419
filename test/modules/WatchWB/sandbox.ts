// A WatchWB in a sandbox (test/helpers/sandbox.ts): its FIFO, register, status, rows, log and trace.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModuleSandbox, type ModuleSandbox, type SandboxOptions } from '../../helpers/sandbox.js';

export interface Sandbox extends ModuleSandbox {
  fifo: string;
  feed(lines: string[]): void;
  register(text: string): void;
  status(): Record<string, any> | undefined;
  row(address: string): Record<string, unknown> | undefined;
  log(): string;
  trace(): string;
}

export async function makeSandbox(conf: string, opts: SandboxOptions = {}): Promise<Sandbox> {
  const base = await makeModuleSandbox(['WatchWB'], conf, opts);
  const { inst } = base;
  const fifo = join(inst.fifoBase, 'WatchWB');
  return {
    ...base,
    fifo,
    feed: (lines) => appendFileSync(fifo, lines.map((l) => `${l}\n`).join('')),
    register: (text) => { inst.write('modules/WatchWB/instances', text); },
    status: () => base.statusOf('WatchWB'),
    row: (address) => base.withDb('WatchWB', (db) => db.prepare('SELECT * FROM bandits WHERE address = ?').get(address) as Record<string, unknown> | undefined),
    log: () => base.read(join(inst.logDir, 'WatchWB.log')),
    trace: () => base.read(join(inst.root, 'modules/WatchWB/WatchWB.trace')),
  };
}
