// ExpireGeo [days]: networks recorded more than `days` ago leave geotrack.db and custody.
//
// Only GeoTrack's own entries leave custody: a network of its rows. A single-address route
// (ADDR/32, /128) is the same kernel entry as a module's DROP of that address: it stays while a
// module database still holds the address as DROP.
import { join } from 'node:path';
import { formatDateTime, systemClock } from '../core/clock.js';
import { parseNet } from '../net/address.js';
import { openFirewall } from '../firewall/index.js';
import { OtherModules } from '../pool/claims.js';
import { openGeoDb } from './db.js';
import { geoDir, writeGeoLoadfile } from './load.js';
import type { GeoConf } from './conf.js';

export interface GeoExpireResult { removed: number; custody: number; kept: number; cutoff: string; loadfile: string }

/** Delete the rows recorded before `days` ago and their custody entries; the Loadfile is written again. */
export async function expireGeo(conf: GeoConf, days: number): Promise<GeoExpireResult> {
  const db = openGeoDb(geoDir());
  const cutoff = formatDateTime(systemClock.now() - days * 86_400_000);
  const fw = openFirewall(conf);
  const ch = fw.channel();
  // No module database is named geotrack.db: every module database is "another".
  const others = new OtherModules(join(geoDir(), 'geotrack.db'));
  let custody = 0, kept = 0;
  try {
    const rows = db.prepare('SELECT route, country FROM geotrack WHERE regdate < ?').all(cutoff) as { route: string; country: string }[];
    db.transaction(() => { for (const r of rows) db.prepare('DELETE FROM geotrack WHERE route = ?').run(r.route); }).immediate();
    for (const r of rows) {
      const n = parseNet(r.route);
      if (!n) continue;
      const single = n.prefix === (n.family === 4 ? 32 : 128);
      if (single && others.dropper(n.text)) { kept++; continue; }
      ch.del('custody', n.text);
      if (conf.zones.has(r.country)) custody++;
    }
    await ch.sync();
    const { file } = writeGeoLoadfile(conf, db);
    return { removed: rows.length, custody, kept, cutoff, loadfile: file };
  } finally {
    others.close();
    await ch.close();
    db.close();
  }
}
