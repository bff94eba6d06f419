// Watcher-Report: the seeds' report (header with the time stamp, "DROPs contributed by" per
// dynloader and geo zone with the totals), then per module its database figures and status
// counters, per set its entry count, per Loadfile its age and what the last load did with it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatDateTime } from '../core/clock.js';
import { parseAssignments } from '../core/conf.js';
import { isPoolName, poolDir, readState, isUnchanged, statSource } from '../pool/sources.js';
import { describeModule } from '../module/started.js';
import { installedModules, pidFiles } from '../module/processes.js';
import type { Firewall } from '../firewall/types.js';
import { databaseModules } from './bandits.js';

export interface Contribution { source: string; set: string; drops: number }
export interface ModuleFigures { module: string; state: string; database: string | null; addresses: number; initial: number; tarpit: number; drop: number; introducedToday: number; droppedToday: number }
export interface LoadfileFigures { file: string; lines: number; ageSeconds: number; lastLoad: string }
export interface Report {
  time: string; zones: string | null; geo: Contribution[]; dynloaders: Contribution[];
  modules: ModuleFigures[]; sets: { set: string; entries: number }[]; loadfiles: LoadfileFigures[];
}

// The sets a Loadfile names (its `add` lines), in order of first appearance.
function setsOf(file: string): string[] {
  const out = new Set<string>();
  for (const l of readFileSync(file, 'utf8').split('\n')) { const m = /^add[ \t]+(\S+)/.exec(l); if (m) out.add(m[1]); }
  return [...out];
}

// ZONES of the geo dynloader's conf (dynload/geo/geo.conf), as the seeds' report shows it.
function geoZones(master: string): string | null {
  const file = join(master, 'dynload/geo/geo.conf');
  if (!existsSync(file)) return null;
  try { return parseAssignments(readFileSync(file, 'utf8'), file, (n) => process.env[n], () => undefined).filter((a) => a.key === 'ZONES').pop()?.value ?? null; } catch { return null; }
}

function moduleFigures(master: string, runDir: string, module: string, today: string): ModuleFigures {
  const db = new Database(join(master, 'modules', module, `${module}.db`), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const c = db.prepare(`SELECT count(*) AS addresses, sum(status = 'INITIAL') AS initial, sum(status = 'TARPIT') AS tarpit, sum(status = 'DROP') AS drop_,
      sum(first_seen >= ?) AS intro, sum(drop_time >= ?) AS dropped FROM bandits`).get(today, today) as Record<string, number | null>;
    return { module, state: describeModule(runDir, module).text, database: `${module}.db`, addresses: c.addresses ?? 0, initial: c.initial ?? 0, tarpit: c.tarpit ?? 0, drop: c.drop_ ?? 0,
      introducedToday: c.intro ?? 0, droppedToday: c.dropped ?? 0 };
  } finally { db.close(); }
}

/** Gather the report of this installation now. */
export async function gatherReport(fw: Firewall, master: string, runDir: string, now = Date.now()): Promise<Report> {
  const counts = await fw.counts();
  const modules = new Set(installedModules(master).concat(existsSync(join(master, 'modules')) ? readdirSync(join(master, 'modules')) : []));
  const dir = poolDir(master);
  const files = existsSync(dir) ? readdirSync(dir).filter(isPoolName).sort() : [];
  const state = readState(runDir) ?? {};
  const geo: Contribution[] = [];
  const dynloaders: Contribution[] = [];
  const loadfiles: LoadfileFigures[] = [];
  for (const f of files) {
    const path = join(dir, f);
    const source = f.slice('Loadfile-'.length);
    const named = setsOf(path);
    if (!modules.has(source) && source !== 'MyRouter') {
      for (const set of named.filter((s) => !['whitelist', 'custody', 'tarpit'].includes(s))) {
        (set.startsWith('geo-') ? geo : dynloaders).push({ source, set, drops: counts.get(set) ?? 0 });
      }
    }
    const was = state[path];
    const lastLoad = !was ? 'not loaded yet (watcher reload loads it)'
      : isUnchanged(statSource(path), was) ? `loaded${was.sets.length ? ` into ${was.sets.join(', ')}` : ': no entries, its sets kept what they had'}${tookText(was)}`
        : 'changed since the last load (watcher reload loads it)';
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => /^add[ \t]/.test(l)).length;
    loadfiles.push({ file: f, lines, ageSeconds: Math.max(0, Math.round((now - statSync(path).mtimeMs) / 1000)), lastLoad });
  }
  const today = formatDateTime(now).slice(0, 10);
  const running = new Set(pidFiles(runDir));
  const mods = databaseModules(master).map((m) => moduleFigures(master, runDir, m, today));
  // A companion counts in its owner's database; its status counters are its own.
  for (const m of [...running].filter((n) => !mods.some((x) => x.module === n)).sort()) mods.push({ module: m, state: describeModule(runDir, m).text, database: null, addresses: 0, initial: 0, tarpit: 0, drop: 0, introducedToday: 0, droppedToday: 0 });
  return {
    time: formatDateTime(now), zones: geoZones(master), geo, dynloaders, modules: mods,
    sets: [...counts].map(([set, entries]) => ({ set, entries })), loadfiles,
  };
}

// What the last load took from a source: `: 2 entries, 1 line refused, 1 spared`.
function tookText(w: { entries?: number; problems?: number; spared?: number }): string {
  if (w.entries === undefined) return '';
  const parts = [`${w.entries} entr${w.entries === 1 ? 'y' : 'ies'}`];
  if (w.problems) parts.push(`${w.problems} line${w.problems === 1 ? '' : 's'} refused (see FillFW's output)`);
  if (w.spared) parts.push(`${w.spared} spared (whitelisted)`);
  return `: ${parts.join(', ')}`;
}

function age(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function contributions(title: string, label: string, list: Contribution[], provider: (c: Contribution) => string): string {
  if (list.length === 0) return '';
  let s = `${title}\n`;
  for (const c of list) s += `DROPs contributed by ${provider(c)}, ${c.set} : ${c.drops}\n`;
  return s + `${`Total ${label}:`.padStart(35)} » ${list.reduce((n, c) => n + c.drops, 0)}\n\n`;
}

/** The report as text: the seeds' header and geo lines first. */
export function formatReport(r: Report): string {
  let s = `Watcher-Report ======[ ${r.time} ]======\n\n`;
  s += contributions(`Geo blockings ...${r.zones !== null ? ` (ZONES='${r.zones}')` : ''}`, 'geo blockings', r.geo, (c) => (c.source === 'geo' ? 'ipdeny' : c.source));
  s += contributions('Dynloader blockings ...', 'dynloader blockings', r.dynloaders, (c) => c.source);
  s += 'Modules ...\n';
  if (r.modules.length === 0) s += '  (no module database)\n';
  for (const m of r.modules) {
    s += `${m.module}: ${m.state}\n`;
    if (m.database) s += `  ${m.database}: ${m.addresses} addresses (${m.initial} INITIAL, ${m.tarpit} TARPIT, ${m.drop} DROP); today ${m.introducedToday} introduced, ${m.droppedToday} dropped\n`;
  }
  s += '\nSets ...\n';
  if (r.sets.length === 0) s += "  Watcher's chain is not loaded\n";
  for (const x of r.sets) s += `  ${x.set.padEnd(24)} ${x.entries}\n`;
  s += '\nLoadfiles ...\n';
  if (r.loadfiles.length === 0) s += '  (none)\n';
  const w = Math.max(0, ...r.loadfiles.map((l) => l.file.length));
  for (const l of r.loadfiles) s += `  ${l.file.padEnd(w)}  ${String(l.lines).padStart(8)} lines  ${`${age(l.ageSeconds)} old`.padEnd(14)}  ${l.lastLoad}\n`;
  return s;
}
