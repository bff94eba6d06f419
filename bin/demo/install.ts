// The demo's throwaway installation: a copy of the built tree whose system paths all lie in one temp dir.
import { appendFileSync, cpSync, existsSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { WatcherError, EX_UNAVAILABLE } from '../../master/lib/core/exit.js';
import { makeDir, writeFileMode, PUBLIC_MODE } from '../../master/lib/core/files.js';
import { FRIEND } from './attack.js';
import type { DemoFirewall } from './sets.js';

/** Where everything of one demo run lives; removing `base` removes it all. */
export interface DemoPaths {
  base: string;
  /** MASTER_PATH of the copy. */
  root: string;
  etc: string;
  logger: string;
  /** FIFO_BASE, RUN_DIR, LOG_DIR, TOOLPATH of the copy. */
  env: Record<string, string>;
}

/** The paths of a demo under `base` (made by makeDemoInstallation). */
export function demoPaths(base: string): DemoPaths {
  return {
    base, root: join(base, 'Watcher'), etc: join(base, 'etc'), logger: join(base, 'rsyslog'),
    env: { FIFO_BASE: join(base, 'pipes'), RUN_DIR: join(base, 'run'), LOG_DIR: join(base, 'log'), TOOLPATH: join(base, 'sbin') },
  };
}

const SKIP = new Set(['node_modules', '.git', 'test', 'bench']);

/** Copy the built tree at `master` into a new temp dir and write the demo's settings (its firewall backend among them). */
export function makeDemoInstallation(master: string, firewall: DemoFirewall = 'iptables'): DemoPaths {
  if (!existsSync(join(master, 'dist'))) throw new WatcherError(`${master}/dist is missing: run npm run build first`, EX_UNAVAILABLE);
  const p = demoPaths(mkdtempSync(join(tmpdir(), 'watcher-demo-')));
  cpSync(master, p.root, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const rel = relative(master, src);
      return !SKIP.has(rel.split('/')[0]) && !/\.(db|db-wal|db-shm|trace)$/.test(rel) && !/^Loadfiles\/(Loadfile-|Flushload)/.test(rel)
        && !['watcher.conf', 'whitelist', 'blacklist'].includes(rel);
    },
  });
  symlinkSync(realpathSync(join(master, 'node_modules')), join(p.root, 'node_modules'));
  for (const d of [join(p.etc, 'rsyslog.d'), p.logger]) makeDir(d);
  const write = (rel: string, text: string) => writeFileMode(join(p.root, rel), text, PUBLIC_MODE);
  write('watcher.conf', `# The demo: WatchLG only.\nMODULES=WatchLG\nSTOP_GRACE=3\nFIREWALL=${firewall}\n`);
  write('loader.conf', 'modules/WatchLG/Load\n');
  write('whitelist', `${FRIEND}   # the administrator's own address\n`);
  // No network in the namespace: no DNS lookups, every new address counts at its rule's penalty.
  appendFileSync(join(p.root, 'modules/WatchLG/WatchLG.conf'), '\n# The demo:\nTRACE=yes\nGEOTRACK=\nDNS_SERVER=off\nMAX_AFFAIRS=5\nTIME_SLICE=60\n');
  return p;
}
