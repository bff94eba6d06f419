// Freeme (cron, every five minutes): what the whitelist and MYROUTER spare is taken out of
// tarpit, custody, every module database and the modules' Loadfile lines, so a CAPS LOCK at
// home never locks the administrator out for more than minutes.
//
// Spared: every entry of the whitelist file, of the live whitelist set (which also holds the
// whitelist lines of Loadfiles) and MyRouter's addresses. An entry of tarpit or custody that
// lies wholly inside one of them is removed; a wider custody network that covers a spared
// address stays (the whitelist's ACCEPT comes first anyway). Silent when nothing is found.
import Database from 'better-sqlite3';
import type { Firewall } from '../firewall/types.js';
import { LIVE_SETS } from '../firewall/types.js';
import { parseNet, type Net } from '../net/address.js';
import { NetMatcher } from '../net/netmatch.js';
import { readList } from '../pool/lists.js';
import { moduleDatabases, dropFromLoadfiles } from '../pool/claims.js';
import { readMyRouter } from './myrouter.js';

/** The spared networks: the whitelist file and set, MyRouter's addresses (name -> address for the message). */
export async function sparedNets(fw: Firewall, master: string): Promise<{ nets: Net[]; router: Map<string, string> }> {
  const nets: Net[] = [...readList('whitelist', master).nets];
  if ((await fw.counts()).has('whitelist')) for (const e of await fw.list('whitelist')) { const n = parseNet(e); if (n) nets.push(n); }
  const router = new Map<string, string>();
  for (const [name, addrs] of readMyRouter(master)) for (const a of addrs) { router.set(a, name); nets.push(parseNet(a)!); }
  return { nets, router };
}

// Rows of one module database inside the spared networks, deleted; their addresses.
function freeDatabase(file: string, spared: NetMatcher, exact: string[], scan: boolean): string[] {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    const found = scan
      ? (db.prepare('SELECT address FROM bandits').pluck().all() as string[]).filter((a) => spared.contains(a))
      : exact.filter((a) => db.prepare('SELECT 1 FROM bandits WHERE address = ?').get(a) !== undefined);
    const del = db.prepare('DELETE FROM bandits WHERE address = ?');
    db.transaction(() => { for (const a of found) del.run(a); })();
    return found;
  } finally { db.close(); }
}

/** Free every spared address; one line per address freed, saying from where (none: nothing to do). */
export async function freeWhitelisted(fw: Firewall, master: string): Promise<string[]> {
  const { nets, router } = await sparedNets(fw, master);
  if (nets.length === 0) return [];
  const spared = new NetMatcher(nets);
  const from = new Map<string, string[]>();
  const note = (a: string, where: string): void => { from.set(a, [...(from.get(a) ?? []), where]); };
  const sets = await fw.sets();
  const ch = fw.channel();
  try {
    for (const set of LIVE_SETS.filter((s) => sets.includes(s))) {
      for (const e of await fw.list(set)) {
        const n = parseNet(e);
        if (!n || !spared.covers(n)) continue;
        ch.del(set, n.text);
        note(n.text, set);
      }
    }
    await ch.sync();
  } finally { await ch.close(); }
  const exact = nets.filter((n) => n.prefix === (n.family === 4 ? 32 : 128)).map((n) => n.text);
  const scan = exact.length < nets.length;
  for (const file of moduleDatabases(master)) {
    for (const a of freeDatabase(file, spared, exact, scan)) note(a, `${file.split('/').pop()}`);
  }
  const loadfiles = dropFromLoadfiles(new Set([...from.keys()].filter((a) => !a.includes('/'))), master, new Set(LIVE_SETS));
  return [...from].map(([a, where]) => {
    const why = router.has(a) ? `MyRouter ${router.get(a)}` : 'whitelisted';
    return `${a} (${why}): freed from ${where.join(', ')}`;
  }).concat(loadfiles.map((f) => `${f}: spared addresses' lines removed`));
}
