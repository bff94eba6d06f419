// freeme ADDR: an address out of every Watcher set and every module database.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Firewall } from './firewall/types.js';
import { readList } from './lists.js';
import { parseAddress } from './address.js';
import { MASTER_PATH } from './paths.js';

/** The module databases of an installation: modules/<name>/<name>.db. */
export function moduleDatabases(master: string = MASTER_PATH): string[] {
  const dir = join(master, 'modules');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((m) => join(dir, m, `${m}.db`)).filter((f) => existsSync(f));
}

/** Remove the address from every set but the whitelist and from every database; says what it did. */
export async function freeAddress(fw: Firewall, address: string, master: string = MASTER_PATH): Promise<string[]> {
  const done: string[] = [];
  const sets = [...(await fw.counts()).keys()].filter((s) => s !== 'whitelist');
  const members = await Promise.all(sets.map(async (s) => [s, (await fw.list(s)).includes(address)] as const));
  const ch = fw.channel();
  try {
    for (const [set, member] of members) {
      ch.del(set, address);
      if (member) done.push(`removed from set ${set}`);
    }
    await ch.sync();
  } finally { await ch.close(); }
  for (const file of moduleDatabases(master)) {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 10000');
      const n = db.prepare('DELETE FROM bandits WHERE address = ?').run(address).changes;
      if (n) done.push(`removed from ${file}`);
    } finally { db.close(); }
  }
  const a = parseAddress(address)!;
  if (readList('blacklist', master).nets.some((n) => n.family === a.family && n.text.split('/')[0] === address)) {
    done.push(`note: ${address} is in ${join(master, 'blacklist')}; the next Blacklist run adds it again`);
  }
  return done;
}
