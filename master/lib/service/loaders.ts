// loader.conf: the Load entry of every module and dynloader, run once at start, '#' disables one.
import { existsSync, readFileSync, accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { run } from '../core/runner.js';

export interface LoadEntry { line: number; path: string }

/** The enabled entries of loader.conf, paths relative to MASTER_PATH; a missing file has none. */
export function readLoaderConf(master: string): LoadEntry[] {
  const file = join(master, 'loader.conf');
  if (!existsSync(file)) return [];
  const out: LoadEntry[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const text = raw.replace(/\r$/, '').trim();
    if (text === '' || text.startsWith('#')) return;
    out.push({ line: i + 1, path: text.split(/[ \t]+/)[0] });
  });
  return out;
}

/**
 * Run every enabled Load entry, one after the other, in its own directory (as the seeds' `cd
 * $WHERE`). A missing or failing entry is reported and the rest goes on. The entries get
 * WATCHER_STARTING=1 so that a dynloader's own `watcher reload` at its end waits for nothing:
 * the start's FillFW follows anyway.
 */
export async function runLoaders(master: string, env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<number> {
  let ok = 0;
  const file = join(master, 'loader.conf');
  for (const e of readLoaderConf(master)) {
    const prog = resolve(master, e.path);
    const where = `${file}:${e.line}: ${e.path}`;
    if (!prog.startsWith(master + '/')) { warn(`${where}: outside MASTER_PATH, skipped`); continue; }
    try { accessSync(prog, constants.X_OK); } catch {
      warn(`${where}: ${existsSync(prog) ? 'not executable' : 'not installed'}, skipped`);
      continue;
    }
    const r = await run(prog, [], { allowFail: true, timeout: 900_000, env: { ...env, WATCHER_STARTING: '1' }, cwd: dirname(prog) })
      .catch((err: Error) => ({ exitCode: -1, stderr: err.message, stdout: '' }));
    if (r.exitCode === 0) { ok++; continue; }
    const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
    warn(`${where}: failed (exit ${r.exitCode})${tail ? `: ${tail}` : ''}; its Loadfile is left as it was`);
  }
  return ok;
}
