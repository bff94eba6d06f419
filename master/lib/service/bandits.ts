// The view of the blocked and the watched (bin/Bandits): every entry of the shown sets and every
// row of the module databases, joined by address, with where it comes from (module and rule, a
// dynloader's or a module's Loadfile line, a static list's line) and when it ends (the tarpit's
// timeout counted from the row's last affair, or the day Expire lifts the row).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadModuleConf } from '../../../common.conf.js';
import { formatDateTime } from '../core/clock.js';
import { parseNet, type Net } from '../net/address.js';
import { NetMatcher } from '../net/netmatch.js';
import { isPoolName, poolDir, STATIC_LISTS } from '../pool/sources.js';
import { tarpitSeconds } from '../module/affairs.js';
import type { Firewall } from '../firewall/types.js';

/** A row of a module database as the view shows it; `module` is the database's owner. */
export interface BanditRow {
  module: string; address: string; class: string; host: string | null; affairs: number; status: string; rule: string;
  first_seen: string; last_seen: string; drop_time: string | null; origin: string; dropped_by: string | null;
}

/** Where a set entry was loaded from: `Loadfile-nixspam:17`, `blacklist:3`. */
export interface LineSource { file: string; line: number; kind: 'module' | 'dynloader' | 'list' }

/** One address or network: the sets that hold it, its database rows and Loadfile lines. */
export interface Bandit { address: string; net: Net; sets: string[]; rows: BanditRow[]; lines: LineSource[] }

/** What a module's ladder needs to tell when an entry ends. */
export interface Ladder { MAX_AFFAIRS: number; TIME_SLICE: number; EXPIRATIONDAYS: number }

/** The modules with a database in this installation (modules/<name>/<name>.db), in name order. */
export function databaseModules(master: string): string[] {
  const dir = join(master, 'modules');
  return existsSync(dir) ? readdirSync(dir).filter((m) => existsSync(join(dir, m, `${m}.db`))).sort() : [];
}

/** The ladder settings of a module (its conf over watcher.conf); a typo in another key is not this view's business. */
export function ladderOf(module: string, master: string): Ladder {
  return loadModuleConf(module, {}, { master, needs: ['MAX_AFFAIRS', 'TIME_SLICE', 'EXPIRATIONDAYS'], warn: () => undefined });
}

/** Rows of every module database (read-only), those of `only` when given. */
export function readRows(master: string, where?: { address?: string }): BanditRow[] {
  const out: BanditRow[] = [];
  for (const module of databaseModules(master)) {
    const db = new Database(join(master, 'modules', module, `${module}.db`), { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      const rows = where?.address !== undefined
        ? db.prepare('SELECT * FROM bandits WHERE address = ?').all(where.address)
        : db.prepare('SELECT * FROM bandits ORDER BY address').all();
      for (const r of rows as Omit<BanditRow, 'module'>[]) out.push({ module, ...r });
    } finally { db.close(); }
  }
  return out;
}

/** Every `add <set> <net>` line of the pool and every entry of the static lists, by "set net" (of `sets`, those `keep` takes). */
export function indexLines(master: string, sets?: ReadonlySet<string>, keep?: (n: Net) => boolean): Map<string, LineSource[]> {
  const index = new Map<string, LineSource[]>();
  const modules = new Set(existsSync(join(master, 'modules')) ? readdirSync(join(master, 'modules')) : []);
  const put = (set: string, net: string, src: LineSource): void => {
    if (sets && !sets.has(set)) return;
    const n = parseNet(net);
    if (!n || (keep && !keep(n))) return;
    const key = `${set} ${n.text}`;
    index.set(key, [...(index.get(key) ?? []), src]);
  };
  for (const list of STATIC_LISTS) {
    const file = join(master, list);
    if (!existsSync(file)) continue;
    readFileSync(file, 'utf8').split('\n').forEach((l, i) => {
      const first = l.replace(/#.*/, '').trim().split(/[ \t]+/)[0];
      if (first) put(list, first, { file, line: i + 1, kind: 'list' });
    });
  }
  const dir = poolDir(master);
  for (const f of existsSync(dir) ? readdirSync(dir).filter(isPoolName).sort() : []) {
    const kind = modules.has(f.slice('Loadfile-'.length)) ? 'module' : 'dynloader';
    readFileSync(join(dir, f), 'utf8').split('\n').forEach((l, i) => {
      const m = /^add[ \t]+(\S+)[ \t]+(\S+)/.exec(l);
      if (m) put(m[1], m[2], { file: join(dir, f), line: i + 1, kind });
    });
  }
  return index;
}

/** The entries of `sets` and the rows of every database, joined by address or network, in address order. */
export async function gatherBandits(fw: Firewall, master: string, sets: readonly string[], rows: BanditRow[]): Promise<Bandit[]> {
  const byKey = new Map<string, Bandit>();
  const get = (net: Net): Bandit => {
    let b = byKey.get(net.text);
    if (!b) byKey.set(net.text, (b = { address: net.text, net, sets: [], rows: [], lines: [] }));
    return b;
  };
  const present = new Set(await fw.sets());
  const index = indexLines(master, new Set(sets));
  for (const set of sets.filter((s) => present.has(s))) {
    for (const e of await fw.list(set)) {
      const n = parseNet(e);
      if (!n) continue;
      const b = get(n);
      b.sets.push(set);
      b.lines.push(...(index.get(`${set} ${n.text}`) ?? []));
    }
  }
  for (const r of rows) { const n = parseNet(r.address); if (n) get(n).rows.push(r); }
  return [...byKey.values()].sort(compareNets);
}

/** Address order: IPv4 before IPv6, then by number, then the wider network first. */
export function compareNets(a: { net: Net }, b: { net: Net }): number {
  if (a.net.family !== b.net.family) return a.net.family - b.net.family;
  if (a.net.family === 4) return (a.net.base as number) - (b.net.base as number) || a.net.prefix - b.net.prefix;
  const x = a.net.base as bigint, y = b.net.base as bigint;
  return x < y ? -1 : x > y ? 1 : a.net.prefix - b.net.prefix;
}

/** When a row's measure ends: the tarpit's end (last affair + 2^affairs × TIME_SLICE) or the day Expire lifts it. */
export function untilOf(r: BanditRow, l: Ladder): { kind: 'tarpit' | 'expire'; at: string } {
  const last = new Date(r.last_seen.replace(' ', 'T')).getTime();
  if (r.status !== 'DROP' && r.affairs < l.MAX_AFFAIRS) {
    const end = last + tarpitSeconds(r.affairs, l.TIME_SLICE) * 1000;
    if (end > Date.now()) return { kind: 'tarpit', at: formatDateTime(end) };
  }
  return { kind: 'expire', at: formatDateTime(last + l.EXPIRATIONDAYS * 86_400_000) };
}

/** Filter by an address or network: the entries inside it, and those that cover it. */
export function matchesNet(b: Bandit, f: Net): boolean {
  return new NetMatcher([f]).covers(b.net) || new NetMatcher([b.net]).covers(f);
}
