// Expire<XX> [days]: rows not seen for that long leave the database and the firewall.
//
// custody is shared by every module: an expired DROP leaves it only when no other module's
// database still holds the address as DROP, and a tarpit entry only when no other module has
// a row of it. The module's Loadfile is written again afterwards, so a full FillFW does not
// bring back what expired.
import { formatDateTime, systemClock } from '../core/clock.js';
import { openDatabase } from './db.js';
import { openFirewall } from '../firewall/index.js';
import { OtherModules } from '../pool/claims.js';
import { writeLoadfile } from './load.js';
import type { ModuleDef, ModulePaths } from './def.js';
import type { ModuleConf } from './context.js';

/** Rows deleted per transaction. */
const EXPIRE_CHUNK = 2000;

export interface ExpireResult { removed: number; custody: number; kept: number; cutoff: string; loadfile: string }

/** Delete rows whose last affair is older than `days`, with the custody/tarpit entries no other module claims. */
export async function expireRows(def: ModuleDef, conf: ModuleConf, paths: ModulePaths, days: number): Promise<ExpireResult> {
  const db = openDatabase(paths.database, paths.schema);
  const cutoff = formatDateTime(systemClock.now() - days * 86_400_000);
  const fw = openFirewall(conf);
  const ch = fw.channel();
  const others = new OtherModules(paths.database);
  let removed = 0, custody = 0, kept = 0;
  try {
    // One scan for the candidates, then deletes in short transactions (no index on last_seen:
    // see Schema), so a running module mostly gets the lock within its short busy timeout.
    const rows = db.prepare('SELECT address, status FROM bandits WHERE last_seen < ?').all(cutoff) as { address: string; status: string }[];
    const del = db.prepare('DELETE FROM bandits WHERE address = ? AND last_seen < ?');
    for (let i = 0; i < rows.length; i += EXPIRE_CHUNK) {
      const part = rows.slice(i, i + EXPIRE_CHUNK);
      const gone = db.transaction(() => part.filter((r) => del.run(r.address, cutoff).changes === 1)).immediate();
      for (const r of gone) {
        if (r.status === 'DROP') {
          if (others.dropper(r.address)) { kept++; continue; }
          ch.del('custody', r.address); custody++;
        } else if (!others.holder(r.address)) ch.del('tarpit', r.address);
      }
      removed += gone.length;
    }
    await ch.sync();
  } finally {
    others.close();
    await ch.close();
    db.close();
  }
  const { file } = writeLoadfile(def, conf, paths);
  return { removed, custody, kept, cutoff, loadfile: file };
}
