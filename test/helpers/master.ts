// Run the master's programs of a throwaway installation inside a namespace.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { findProgram } from '../../master/lib/runner.js';
import { REPO, type Installation } from './install.js';
import type { Netns } from './netns.js';

export interface ProgramResult { stdout: string; stderr: string; exitCode: number }

/** Run master/<program> of the installation inside the namespace with its environment. */
export async function runMaster(ns: Netns, inst: Installation, program: string, args: string[] = [], env: Record<string, string> = {}): Promise<ProgramResult> {
  // nsenter by its full path: `env` may carry a PATH without it (a test of missing programs).
  const [nsenter, ...rest] = ns.prefix();
  const r = await execa(findProgram(nsenter) ?? nsenter, [...rest, process.execPath, join(inst.root, 'master', program), ...args],
    { env: { ...process.env, ...inst.env, ...env }, extendEnv: false, reject: false });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** Install the contract-honouring fixture module (test/fixtures/module.mjs) as modules/<name>/<name>. */
export function installFixtureModule(inst: Installation, name: string): void {
  const dir = join(inst.root, 'modules', name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO, 'test/fixtures/module.mjs'), join(dir, name));
  chmodSync(join(dir, name), 0o755);
}
