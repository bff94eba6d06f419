// Run the master's programs of a throwaway installation inside a namespace.
import { chmodSync, copyFileSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { findProgram } from '../../master/lib/core/runner.js';
import { REPO, makeInstallation, type Installation } from './install.js';
import { Netns, requireTools } from './netns.js';

export interface ProgramResult { stdout: string; stderr: string; exitCode: number }

// Bind /dev/null (not executable) over each path in a private mount namespace, then exec the rest.
const HIDE = 'while [ "$1" != -- ]; do mount --bind /dev/null "$1" || exit 99; shift; done; shift; exec "$@"';

/**
 * Run master/<program> of the installation inside the namespace with its environment.
 * `hide` names programs that are made truly missing for this run (a private mount namespace
 * covers them), to test what happens on a machine without them.
 */
export function runMaster(ns: Netns, inst: Installation, program: string, args: string[] = [], env: Record<string, string> = {}, hide: string[] = []): Promise<ProgramResult> {
  return runInstalled(ns, inst, join('master', program), args, env, hide);
}

/** Run a program of the installation by its path under MASTER_PATH (`dynload/geo/Load`), as runMaster does. */
export async function runInstalled(ns: Netns, inst: Installation, program: string, args: string[] = [], env: Record<string, string> = {}, hide: string[] = []): Promise<ProgramResult> {
  return startInstalled(ns, inst, program, args, env, hide).result;
}

/**
 * Start a program of the installation as runInstalled does, without waiting for it: `stderr`
 * holds what it has written so far, `result` ends with it.
 */
export function startInstalled(ns: Netns, inst: Installation, program: string, args: string[] = [], env: Record<string, string> = {}, hide: string[] = []): { stderr: () => string; result: Promise<ProgramResult> } {
  const [nsenter, ...rest] = ns.prefix();
  const hidden = hide.map((p) => realpathSync(findProgram(p) as string));
  const wrap = hide.length ? ['unshare', '-m', '--', 'sh', '-c', HIDE, 'sh', ...hidden, '--'] : [];
  const child = execa(nsenter, [...rest, ...wrap, process.execPath, join(inst.root, program), ...args],
    { env: { ...process.env, ...inst.env, ...env }, extendEnv: false, reject: false });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += String(d); });
  const result = child.then((r) => ({ stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 }));
  return { stderr: () => err, result };
}

/** A fresh network namespace with the firewall tools and a throwaway installation, for the master's programs. */
export async function makeMasterSandbox(): Promise<{ ns: Netns; inst: Installation }> {
  requireTools(['ipset', 'iptables', 'ip6tables']);
  return { ns: await Netns.create(), inst: makeInstallation() };
}

/** Install the contract-honouring fixture module (test/fixtures/module.mjs) as modules/<name>/<name>. */
export function installFixtureModule(inst: Installation, name: string): void {
  const dir = join(inst.root, 'modules', name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO, 'test/fixtures/module.mjs'), join(dir, name));
  chmodSync(join(dir, name), 0o755);
}
