// Run a snippet of ES module code with node inside a namespace, importing the built tree.
import { join } from 'node:path';
import { REPO } from './install.js';
import type { Netns } from './netns.js';

/** The import URL of a compiled file of the repository (e.g. 'master/lib/firewall/index.js'). */
export function distPath(rel: string): string {
  return join(REPO, 'dist', rel);
}

/** Run module code in the namespace; `$dist/...` in import specifiers points at the built tree. */
export async function runScript(ns: Netns, code: string, env: Record<string, string> = {}) {
  const src = code.replaceAll('$dist/', `${join(REPO, 'dist')}/`);
  const r = await ns.exec(process.execPath, ['--input-type=module', '-e', src], { env: { ...process.env, ...env }, extendEnv: false });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** Run module code and parse the JSON it prints last; throws with stderr when it fails. */
export async function runJson<T = unknown>(ns: Netns, code: string, env: Record<string, string> = {}): Promise<T> {
  const r = await runScript(ns, code, env);
  if (r.exitCode !== 0) throw new Error(`script failed (exit ${r.exitCode}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
