// A throwaway Watcher installation: a copy of the built tree with every system path in a temp dir.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../..');

export interface Installation {
  /** MASTER_PATH of the copy. */
  root: string;
  fifoBase: string;
  runDir: string;
  logDir: string;
  toolPath: string;
  /** Environment that points every system path into the temp dir. */
  env: Record<string, string>;
  /** Write a file relative to MASTER_PATH. */
  write(rel: string, text: string): string;
  remove(): void;
}

const SKIP = new Set(['node_modules', '.git', 'test', 'bench']);

/** Copy the built tree (dist must exist: run `npm run build`) into a fresh temp dir. */
export function makeInstallation(): Installation {
  if (!existsSync(join(REPO, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
  const base = mkdtempSync(join(tmpdir(), 'watcher-'));
  const root = join(base, 'Watcher');
  cpSync(REPO, root, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const rel = relative(REPO, src);
      const top = rel.split('/')[0];
      return !SKIP.has(top) && !/\.(db|db-wal|db-shm|trace|held)$/.test(rel) && !/^dynload\/[^/]+\/[^/]+\.(state|cache)$/.test(rel) && !/^Loadfiles\/(Loadfile-|Flushload)/.test(rel) && !['watcher.conf', 'whitelist', 'blacklist'].includes(rel)
        // What an administrator edits (a module's conf installed by Prep) is no part of the tree.
        && !/^modules\/[^/]+\/[^/]+\.conf$/.test(rel);
    },
  });
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  const dirs = { fifoBase: join(base, 'pipes'), runDir: join(base, 'run'), logDir: join(base, 'log'), toolPath: join(base, 'sbin') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const env = { FIFO_BASE: dirs.fifoBase, RUN_DIR: dirs.runDir, LOG_DIR: dirs.logDir, TOOLPATH: dirs.toolPath };
  return {
    root,
    ...dirs,
    env,
    write(rel, text) { const p = join(root, rel); writeFileSync(p, text); return p; },
    remove() { rmSync(base, { recursive: true, force: true }); },
  };
}
