// freeme ADDR: an address out of every Watcher set, every module database and every Loadfile.
//
// A set entry that is the address itself is removed. A network that covers it (a blacklist
// range, a GeoTrack CIDR, a dynloader's list) is named, with the Loadfile line it comes from,
// and removed only when asked (--networks): freeing one address must not free a /8 silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Firewall } from '../firewall/types.js';
import { readList } from '../pool/lists.js';
import { netOf, parseAddress, parseNet, type Net } from '../net/address.js';
import { MIN_V6_PREFIX } from '../firewall/entries.js';
import { NetMatcher } from '../net/netmatch.js';
import { moduleDatabases, dropFromLoadfiles } from '../pool/claims.js';
import { MASTER_PATH } from '../core/paths.js';

export { moduleDatabases };

/** What freeme did for one address; `blocked` lists covering networks left in place. */
export interface FreeResult { done: string[]; blocked: string[] }

// Where a network entry of a set comes from: Loadfile-x:line.
function findSource(set: string, net: string, master: string): string | undefined {
  const dir = join(master, 'Loadfiles');
  if (!existsSync(dir)) return undefined;
  for (const f of readdirSync(dir).filter((n) => n.startsWith('Loadfile-'))) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    const i = lines.findIndex((l) => { const w = l.trim().split(/[ \t]+/); return w[0] === 'add' && w[1] === set && parseNet(w[2] ?? '')?.text === net; });
    if (i >= 0) return `${join(dir, f)}:${i + 1}`;
  }
  return undefined;
}

// The networks of /32 to /127 that hold an IPv6 address: the bandits IPV6_PREFIX may have made of it.
function coveringNets(a: Net): string[] {
  const out: string[] = [];
  for (let p = MIN_V6_PREFIX; p < 128; p++) out.push(netOf(6, a.base, p).text);
  return out;
}

/** Remove the address from every set but the whitelist, every database and every Loadfile; says what it did. */
export async function freeAddress(fw: Firewall, address: string, opts: { networks?: boolean } = {}, master: string = MASTER_PATH): Promise<FreeResult> {
  const done: string[] = [];
  const blocked: string[] = [];
  const a = parseAddress(address)!;
  const sets = [...(await fw.counts()).keys()].filter((s) => s !== 'whitelist');
  const ch = fw.channel();
  try {
    for (const set of sets) {
      for (const entry of await fw.list(set)) {
        const n = parseNet(entry.split(/[ \t]/)[0]);
        if (!n || n.family !== a.family) continue;
        const m = new NetMatcher();
        m.add(n);
        if (!m.containsNet(a)) continue;
        const exact = n.prefix === (a.family === 4 ? 32 : 128);
        const from = exact ? '' : findSource(set, n.text, master);
        if (exact || opts.networks) {
          ch.del(set, n.text);
          done.push(exact ? `removed from set ${set}` : `removed network ${n.text} (covers it) from set ${set}${from ? `, loaded from ${from}` : ''}; it comes back with the next full load unless you edit its source`);
        } else blocked.push(`still blocked: network ${n.text} in set ${set} covers it${from ? ` (${from})` : ''}; run freeme --networks to remove the network, or add the address to the whitelist`);
      }
    }
    await ch.sync();
  } finally { await ch.close(); }
  // With --networks also the rows of an IPv6 bandit counted as its network (IPV6_PREFIX).
  const keys = [address, ...(opts.networks && a.family === 6 ? coveringNets(a) : [])];
  for (const file of moduleDatabases(master)) {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 10000');
      const del = db.prepare('DELETE FROM bandits WHERE address = ?');
      for (const k of keys) if (del.run(k).changes) done.push(`removed${k === address ? '' : ` ${k} (covers it)`} from ${file}`);
    } finally { db.close(); }
  }
  for (const file of dropFromLoadfiles(new Set(keys), master)) done.push(`removed from ${file}`);
  if (readList('blacklist', master).nets.some((n) => n.family === a.family && n.text.split('/')[0] === address)) {
    done.push(`note: ${address} is in ${join(master, 'blacklist')}; the next Blacklist run adds it again`);
  }
  return { done, blocked };
}
