// Who else holds an address: the other module databases of the installation (custody is
// shared by every module), and the Loadfiles a full FillFW would load it from again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { normalizeAddress } from '../net/address.js';
import { MASTER_PATH } from '../core/paths.js';
import { replaceFileMode, PRIVATE_MODE } from '../core/files.js';

/** The module databases of an installation: modules/<name>/<name>.db. */
export function moduleDatabases(master: string = MASTER_PATH): string[] {
  const dir = join(master, 'modules');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((m) => join(dir, m, `${m}.db`)).filter((f) => existsSync(f));
}

/**
 * The other module databases, opened read-only, asked per address. A database that cannot
 * be read is counted as a claim on everything (never free what may still be wanted).
 */
export class OtherModules {
  private readonly dbs: { name: string; db?: Database.Database; q?: Database.Statement<[string], { status: string }> }[] = [];

  constructor(ownDatabase: string, master: string = MASTER_PATH) {
    for (const file of moduleDatabases(master).filter((f) => resolve(f) !== resolve(ownDatabase))) {
      const name = file.split('/').slice(-2)[0];
      try {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        db.pragma('busy_timeout = 10000');
        this.dbs.push({ name, db, q: db.prepare('SELECT status FROM bandits WHERE address = ?') });
      } catch { this.dbs.push({ name }); }
    }
  }

  /** The first other module that holds the address as DROP, or whose database cannot be read. */
  dropper(address: string): string | undefined {
    return this.dbs.find((d) => !d.q || this.row(d, address)?.status === 'DROP')?.name;
  }

  /** The first other module with any row of the address. */
  holder(address: string): string | undefined {
    return this.dbs.find((d) => !d.q || this.row(d, address) !== undefined)?.name;
  }

  close(): void { for (const d of this.dbs) d.db?.close(); }

  private row(d: (typeof this.dbs)[number], address: string): { status: string } | undefined {
    try { return d.q!.get(address); } catch { return { status: 'DROP' }; }
  }
}

/**
 * Remove the `add <set> <address>` lines of these addresses from every Loadfile (tmp + rename);
 * the files changed. A `whitelist` line is never removed (freeing an address must not take it
 * out of the whitelist); `sets`, given, limits the removal to those sets.
 */
export function dropFromLoadfiles(addresses: Set<string>, master: string = MASTER_PATH, sets?: ReadonlySet<string>): string[] {
  const dir = join(master, 'Loadfiles');
  if (!existsSync(dir) || addresses.size === 0) return [];
  const changed: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.startsWith('Loadfile-') && !n.endsWith('.tmp'))) {
    const file = join(dir, f);
    const lines = readFileSync(file, 'utf8').split('\n');
    const kept = lines.filter((l) => {
      const m = /^add[ \t]+(\S+)[ \t]+(\S+)/.exec(l);
      if (!m || m[1] === 'whitelist' || (sets && !sets.has(m[1]))) return true;
      return !(!m[2].includes('/') && addresses.has(normalizeAddress(m[2]) ?? m[2]));
    });
    if (kept.length === lines.length) continue;
    replaceFileMode(file, kept.join('\n'), PRIVATE_MODE);
    changed.push(file);
  }
  return changed;
}
