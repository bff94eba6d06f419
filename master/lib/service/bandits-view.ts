// What bin/Bandits prints: the table of the blocked and the watched, and the explanation of one
// address (which sets hold it, which rows and Loadfile lines, what spares it).
import { basename } from 'node:path';
import { ownNets, LOOPBACK, parseNet, type Net } from '../net/address.js';
import { NetMatcher } from '../net/netmatch.js';
import { readList } from '../pool/lists.js';
import { printable } from '../core/lines.js';
import type { Firewall } from '../firewall/types.js';
import { indexLines, ladderOf, readRows, untilOf, type Bandit, type BanditRow, type Ladder, type LineSource } from './bandits.js';
import { readMyRouter } from './myrouter.js';

/** One line of the table: an entry with one of its rows (or none). */
export interface ViewLine {
  address: string; sets: string[]; source: string; module: string | null; rule: string | null; affairs: number | null; maxAffairs: number | null;
  class: string | null; host: string | null; status: string | null; firstSeen: string | null; lastSeen: string | null; dropped: string | null;
  until: { kind: 'tarpit' | 'expire'; at: string } | null;
}

const where = (l: LineSource): string => `${basename(l.file)}:${l.line}`;

function sourceOf(b: Bandit, r: BanditRow | undefined): string {
  if (r) return `${r.dropped_by ?? r.origin} ${r.rule}`;
  const l = b.lines[0];
  if (!l) return 'no row or Loadfile line (added by hand?)';
  return l.kind === 'dynloader' ? `dynloader ${basename(l.file).slice('Loadfile-'.length)} (${where(l)})` : where(l);
}

/** The lines of the table for these bandits: one per database row, one for an entry without a row. */
export function viewLines(bandits: Bandit[], ladder: (module: string) => Ladder, module?: string): ViewLine[] {
  const out: ViewLine[] = [];
  for (const b of bandits) {
    const rows = module ? b.rows.filter((r) => [r.module, r.origin, r.dropped_by].includes(module)) : b.rows;
    if (module && rows.length === 0) continue;
    for (const r of rows.length ? rows : [undefined]) {
      const l = r && ladder(r.module);
      out.push({
        address: b.address, sets: b.sets, source: sourceOf(b, r), module: r?.dropped_by ?? r?.origin ?? null, rule: r?.rule ?? null,
        affairs: r?.affairs ?? null, maxAffairs: l ? l.MAX_AFFAIRS : null, class: r?.class ?? null, host: r?.host ?? null, status: r?.status ?? null,
        firstSeen: r?.first_seen ?? null, lastSeen: r?.last_seen ?? null, dropped: r?.drop_time ?? null, until: r && l ? untilOf(r, l) : null,
      });
    }
  }
  return out;
}

const HEAD = ['ADDRESS', 'SET', 'SOURCE', 'AFFAIRS', 'CLASS', 'FIRST SEEN', 'LAST SEEN', 'DROPPED', 'UNTIL'];

/** The table, columns as wide as their longest cell, and a count per set. */
export function formatTable(lines: ViewLine[]): string {
  const cells = lines.map((v) => [v.address, v.sets.join(',') || '-', v.source, v.affairs !== null ? `${v.affairs}/${v.maxAffairs}` : '-', v.class ?? '-',
    v.firstSeen ?? '-', v.lastSeen ?? '-', v.dropped ?? '-', v.until ? (v.until.kind === 'tarpit' ? `tarpit until ${v.until.at}` : `Expire after ${v.until.at}`) : '-']);
  // A reduce, not Math.max(...): a table of a million lines would overflow the call stack.
  const widths = HEAD.map((h, i) => cells.reduce((w, c) => Math.max(w, c[i].length), h.length));
  const row = (c: string[]): string => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join('  ') + '\n';
  const per = new Map<string, number>();
  for (const v of lines) for (const s of v.sets.length ? v.sets : ['watched']) per.set(s, (per.get(s) ?? 0) + 1);
  const order = (s: string): string => (s === 'watched' ? '\uffff' : s);
  const counts = [...per].sort(([a], [b]) => order(a).localeCompare(order(b))).map(([s, n]) => (s === 'watched' ? `${n} watched (a database row, in no set)` : `${n} in ${s}`));
  return row(HEAD) + cells.map(row).join('') + `${lines.length} lines${counts.length ? `: ${counts.join(', ')}` : ''}\n`;
}

/** The explanation of one address: verdict, sets, rows, Loadfile lines, what spares it. */
export interface Explanation {
  address: string; verdict: string;
  sets: { set: string; entry: string; covers: boolean; from: string[] }[];
  rows: (BanditRow & { until: { kind: 'tarpit' | 'expire'; at: string } })[];
  databases: string[];
  spared: string[];
}

/** Explain one address: every set whose entry is it or covers it, its rows in every database, what spares it. */
export async function explainAddress(fw: Firewall, master: string, a: Net, modules: string[]): Promise<Explanation> {
  const index = indexLines(master, undefined, (n) => new NetMatcher([n]).covers(a));
  const sets: Explanation['sets'] = [];
  for (const set of await fw.sets()) {
    for (const e of await fw.list(set)) {
      const n = parseNet(e);
      if (!n || !new NetMatcher([n]).covers(a)) continue;
      sets.push({ set, entry: n.text, covers: n.text !== a.text, from: (index.get(`${set} ${n.text}`) ?? []).map(where) });
    }
  }
  const rows = readRows(master, { address: a.text }).map((r) => ({ ...r, until: untilOf(r, ladderOf(r.module, master)) }));
  const spared: string[] = [];
  readList('whitelist', master).nets.forEach((n) => { if (new NetMatcher([n]).covers(a)) spared.push(`whitelist file: ${n.text}${(index.get(`whitelist ${n.text}`) ?? []).map((l) => ` (${where(l)})`).join('')}`); });
  for (const [name, addrs] of readMyRouter(master)) if (addrs.includes(a.text)) spared.push(`MyRouter: ${name} (Loadfile-MyRouter)`);
  if (new NetMatcher(LOOPBACK.map((x) => parseNet(x)!)).covers(a)) spared.push('loopback');
  else if (new NetMatcher(ownNets()).covers(a)) spared.push('an address of this machine');
  const white = sets.filter((s) => s.set === 'whitelist');
  if (white.length && spared.length === 0) spared.push(...white.map((s) => `whitelist set: ${s.entry}${s.from.length ? ` (${s.from.join(', ')})` : ''}`));
  const drops = [...new Set(sets.filter((s) => s.set !== 'whitelist').map((s) => s.set))];
  const verdict = spared.length ? `spared (${drops.length ? `the whitelist's ACCEPT comes before ${drops.join(', ')}` : 'never blocked'})`
    : drops.length ? `blocked (${drops.join(', ')})` : rows.length ? 'watched, not blocked' : 'unknown to Watcher: in no set and no database';
  return { address: a.text, verdict, sets, rows, databases: modules, spared };
}

/** The explanation as text, one fact a line. */
export function formatExplanation(x: Explanation, ladder: (module: string) => Ladder): string {
  let s = `${x.address}: ${x.verdict}\n`;
  for (const e of x.sets) s += `  set ${e.set}: ${e.covers ? `${e.entry} covers it` : e.entry}${e.from.length ? ` (${e.from.join(', ')})` : ' (in no list or Loadfile)'}\n`;
  for (const m of x.databases) {
    const r = x.rows.find((y) => y.module === m);
    if (!r) { s += `  ${m}.db: no row\n`; continue; }
    const l = ladder(m);
    s += `  ${m}.db: ${r.status}, ${r.affairs}/${l.MAX_AFFAIRS} affairs, rule ${r.rule}, ${r.class}${r.host ? ` ${printable(r.host)}` : ''}, introduced by ${r.origin}, first seen ${r.first_seen}, last seen ${r.last_seen}`
      + `${r.drop_time ? `, dropped ${r.drop_time}${r.dropped_by ? ` by ${r.dropped_by}` : ''}` : ''}; `
      + `${r.until.kind === 'tarpit' ? `tarpit until ${r.until.at}` : `Expire lifts it after ${r.until.at} (EXPIRATIONDAYS=${l.EXPIRATIONDAYS})`}\n`;
  }
  s += x.spared.length ? x.spared.map((w) => `  spared: ${w}\n`).join('') : '  spared: no (not in the whitelist, not MyRouter\'s, not this machine\'s)\n';
  return s;
}
