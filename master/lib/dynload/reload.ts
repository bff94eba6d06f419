// The seeds' `service watcher reload` at the end of a dynloader, under the master's lock.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openFirewall } from '../firewall/index.js';
import { poolDir } from '../pool/sources.js';
import type { HeldLoadfile } from '../pool/loadfile.js';
import { openService, withLock } from '../service/program.js';
import { reloadService } from '../service/service.js';

/** Writes the changed Loadfiles, handing each to `take` as soon as it is written. */
export type Producer = (take: (path: string) => Promise<void>) => Promise<void>;

/**
 * Reload the pool (FillFW of the changed sets) while `produce` writes the Loadfiles: each is read
 * as it comes. Without a reload (--no-reload, inside a `watcher start`) they are only written.
 * The sets of removed Loadfiles (a geo zone's Loadfile and set share the name) are emptied
 * first, also inside a `watcher start` (which runs this Load with WATCHER_STARTING and holds the
 * lock): its full load keeps a set no source names, so a zone taken out of ZONES would
 * otherwise keep its networks.
 */
export async function reloadPool(removed: string[], o: { master: string; env: NodeJS.ProcessEnv; say: (m: string) => void; complain: (m: string) => void; reload: boolean; held?: ReadonlyMap<string, HeldLoadfile>; produce: Producer; sets?: readonly string[] }): Promise<number> {
  const write = (): Promise<void> => o.produce(async () => undefined);
  if (!o.reload) { await write(); o.say('changed Loadfiles are loaded by the next watcher reload or start (--no-reload)'); return 0; }
  const starting = !!o.env.WATCHER_STARTING;
  const s = { ...openService('watcher'), env: o.env, out: o.say, warn: o.complain };
  const job = async (): Promise<number> => {
    if (removed.length) await emptySets(s.conf, removed, o.master, o.say);
    if (starting) { await write(); o.say('a watcher start runs this Load: its FillFW loads the pool'); return 0; }
    return reloadService(s, { held: o.held, produce: o.produce, sets: o.sets });
  };
  return starting ? job() : withLock(s, job);
}

// Empty Watcher's sets of these names that exist, through the backend's batch loader.
async function emptySets(conf: Parameters<typeof openFirewall>[0], sets: string[], master: string, say: (m: string) => void): Promise<void> {
  const fw = openFirewall(conf);
  const live = new Set(await fw.sets());
  const foreign = await fw.foreign();
  const mine = sets.filter((x) => live.has(x) && !foreign.has(x));
  if (mine.length === 0) return;
  const flushload = join(poolDir(master), `.Flushload-empty.${process.pid}.tmp`);
  try { await fw.loader(flushload).finish(mine); } finally { rmSync(flushload, { force: true }); }
  say(`set${mine.length > 1 ? 's' : ''} ${mine.join(', ')} emptied`);
}
