// Upgrade-safe configuration: the tree ships only samples (watcher.conf-sample, modules/*/
// <name>.conf-sample, dynload/*/<name>.conf-sample, whitelist-sample, blacklist-sample); what
// an administrator edits is never part of it, so an upgrade (a git pull, a release unpacked over
// the tree) never overwrites it. Prep installs a conf from its sample where there is none.
import { chmodSync, copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readList } from '../pool/lists.js';

const SAMPLE = '-sample';

/** The conf samples of an installation: watcher.conf-sample, then each module's and dynloader's. */
export function confSamples(master: string): string[] {
  const out = [join(master, `watcher.conf${SAMPLE}`)].filter(existsSync);
  for (const top of ['modules', 'dynload']) {
    const dir = join(master, top);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir).sort()) {
      const sub = join(dir, d);
      try { if (!statSync(sub).isDirectory()) continue; } catch { continue; } // a dangling link
      for (const f of readdirSync(sub).sort()) if (f.endsWith(`.conf${SAMPLE}`)) out.push(join(sub, f));
    }
  }
  return out;
}

/** Install each conf from its sample where it is missing (0644); an existing conf is never touched. */
export function installConfs(master: string, say: (l: string) => void): void {
  for (const sample of confSamples(master)) {
    const conf = sample.slice(0, -SAMPLE.length);
    if (existsSync(conf)) continue;
    copyFileSync(sample, conf);
    chmodSync(conf, 0o644);
    say(`Installed ${conf} from its sample: state there only what differs`);
  }
}

/** The first step before the first start: a whitelist with the administrator's own addresses. */
export function whitelistNote(master: string): string | undefined {
  if (readList('whitelist', master).nets.length) return undefined;
  return `No address in ${join(master, 'whitelist')} yet: put your own addresses there (see whitelist-sample) before the first start, then run master/Whitelist`;
}
