// A throwaway installation for the benchmarks (a copy of the built tree, system paths in a temp dir),
// and re-running the bench inside a private network namespace so the firewall is never the host's.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { ROOT } from './common.js';

export interface BenchInstall { root: string; env: Record<string, string>; fifoBase: string; runDir: string; logDir: string; remove(): void }

/** Copy the built tree into a temp dir with FIFO_BASE, RUN_DIR, LOG_DIR, TOOLPATH beside it. */
export function makeBenchInstall(conf: string): BenchInstall {
  const base = mkdtempSync(join(tmpdir(), 'watcher-bench-'));
  const root = join(base, 'Watcher');
  cpSync(ROOT, root, {
    recursive: true, verbatimSymlinks: true,
    filter: (src) => { const rel = relative(ROOT, src); const top = rel.split('/')[0]; return !['node_modules', '.git', 'test', 'bench'].includes(top) && !/\.(db|db-wal|db-shm|trace)$/.test(rel) && !/^Loadfiles\/(Loadfile-|Flushload)/.test(rel); },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  const dirs = { fifoBase: join(base, 'pipes'), runDir: join(base, 'run'), logDir: join(base, 'log'), toolPath: join(base, 'sbin') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  writeFileSync(join(root, 'modules/WatchLG/WatchLG.conf'), conf);
  const env = { FIFO_BASE: dirs.fifoBase, RUN_DIR: dirs.runDir, LOG_DIR: dirs.logDir, TOOLPATH: dirs.toolPath };
  return { root, env, ...dirs, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** Re-run this bench inside `unshare -n` (loopback up) unless it already is; true when this is the inner run. */
export async function inNetns(): Promise<boolean> {
  if (process.env.WATCHER_BENCH_NETNS === '1') {
    await execa('ip', ['link', 'set', 'lo', 'up']);
    return true;
  }
  const r = await execa('unshare', ['-n', '--', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', reject: false, env: { ...process.env, WATCHER_BENCH_NETNS: '1' } });
  process.exitCode = r.exitCode ?? 1;
  return false;
}

