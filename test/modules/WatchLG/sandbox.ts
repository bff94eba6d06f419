// A WatchLG in a sandbox (test/helpers/sandbox.ts): its FIFO, status, database rows, log and trace.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { expect } from 'vitest';
import { makeModuleSandbox, type ModuleSandbox, type SandboxOptions } from '../../helpers/sandbox.js';

export interface Sandbox extends ModuleSandbox {
  fifo: string;
  feed(lines: string[]): void;
  status(): Record<string, unknown> | undefined;
  row(address: string): Record<string, unknown> | undefined;
  log(): string;
  trace(): string;
}

export async function makeSandbox(conf: string, opts: SandboxOptions = {}): Promise<Sandbox> {
  const base = await makeModuleSandbox(['WatchLG'], conf, opts);
  const { inst } = base;
  const fifo = join(inst.fifoBase, 'WatchLG');
  return {
    ...base,
    fifo,
    feed: (lines) => appendFileSync(fifo, lines.map((l) => `${l}\n`).join('')),
    status: () => base.statusOf('WatchLG'),
    row: (address) => base.withDb('WatchLG', (db) => db.prepare('SELECT * FROM bandits WHERE address = ?').get(address) as Record<string, unknown> | undefined),
    log: () => base.read(join(inst.logDir, 'WatchLG.log')),
    trace: () => base.read(join(inst.root, 'modules/WatchLG/WatchLG.trace')),
  };
}

/**
 * Prep (asserted to succeed), then WatchLG started in the sandbox; resolves once it has written
 * its status. The process is wrapped: a promise resolving to it would wait for its end.
 */
export async function runWatchLG(sb: Sandbox): Promise<{ proc: ResultPromise }> {
  const prep = await sb.run('modules/WatchLG/Prep');
  expect(prep.exitCode, prep.stderr).toBe(0);
  const proc = sb.start('modules/WatchLG/WatchLG');
  await sb.waitFor('the status file', () => sb.status());
  return { proc };
}

/** End a WatchLG of runWatchLG that still runs. */
export async function killWatchLG(proc: ResultPromise | undefined): Promise<void> {
  if (proc && proc.exitCode === null) { proc.kill('SIGKILL'); await proc; }
}
