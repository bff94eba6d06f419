// Expire<XX> [days]: rows not seen for that long leave the database and the firewall.
import { formatDateTime, systemClock } from '../clock.js';
import { openDatabase } from '../db.js';
import { openFirewall } from '../firewall/index.js';
import type { ModulePaths } from './def.js';
import type { ModuleConf } from './context.js';

/** Delete rows whose last affair is older than `days`, with their custody/tarpit entries. */
export async function expireRows(conf: ModuleConf, paths: ModulePaths, days: number): Promise<{ removed: number; custody: number; cutoff: string }> {
  const db = openDatabase(paths.database, paths.schema);
  const cutoff = formatDateTime(systemClock.now() - days * 86_400_000);
  const fw = openFirewall(conf);
  const ch = fw.channel();
  let removed = 0, custody = 0;
  try {
    // One scan for the candidates, then deletes in batches (no index on last_seen: see Schema).
    const rows = db.prepare('SELECT address, status FROM bandits WHERE last_seen < ?').all(cutoff) as { address: string; status: string }[];
    const del = db.prepare('DELETE FROM bandits WHERE address = ? AND last_seen < ?');
    for (let i = 0; i < rows.length; i += 10_000) {
      const part = rows.slice(i, i + 10_000);
      const gone = db.transaction(() => part.filter((r) => del.run(r.address, cutoff).changes === 1)).immediate();
      for (const r of gone) {
        if (r.status === 'DROP') { ch.del('custody', r.address); custody++; }
        else ch.del('tarpit', r.address);
      }
      removed += gone.length;
    }
    await ch.sync();
  } finally {
    await ch.close();
    db.close();
  }
  return { removed, custody, cutoff };
}
