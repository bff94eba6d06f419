// dynload/: the dynloaders. Fetching a list safely (fetch, proxy), the providers' formats,
// the check of every entry (screen), what a dynloader keeps between runs (store), the shipped
// dynloaders (providers) and one run of a dynloader (this file). It may import every folder
// below it, the service's reload included.
//
// One run of a dynloader: fetch each part, keep the last good copy of what fails, write the
// Loadfiles that changed, then `watcher reload`.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EX_CONFIG, EX_DATAERR, EX_UNAVAILABLE, ConfError, WatcherError } from '../core/exit.js';
import { LineWriter } from '../core/log.js';
import { MASTER_PATH } from '../core/paths.js';
import type { KeyTable } from '../core/settings.js';
import { replaceFileMode, PRIVATE_MODE } from '../core/files.js';
import { ownNets } from '../net/address.js';
import { openFirewall } from '../firewall/index.js';
import { readList } from '../pool/lists.js';
import { poolDir } from '../pool/sources.js';
import { openService, withLock } from '../service/program.js';
import { reloadService } from '../service/service.js';
import { dynloadDir, loadDynloadConf, type DynloadConf } from './conf.js';
import { KeyValueError, type DynloaderDef, type Part } from './def.js';
import { fetchList, FetchError } from './fetch.js';
import { BadList, parseBody } from './formats.js';
import { screenEntries, type Screened } from './screen.js';
import { Store, type DynloadState } from './store.js';

export interface DynloadOptions {
  /** Download now, whatever MIN_INTERVAL says, and take a list however short (MIN_SHARE). */
  force?: boolean;
  /** Run `watcher reload` when a Loadfile changed (the seeds' exit; off while testing a copy). */
  reload?: boolean;
  master?: string;
  env?: NodeJS.ProcessEnv;
}

/** How a part's entries were had, or why they were not. */
interface Outcome { part: Part; got?: Screened; how: 'fresh' | 'unchanged' | 'reused' | 'last good'; problem?: { kind: 'unavailable' | 'bad-data'; message: string } }

/** Cron's start times drift by a second or so: a download this much before MIN_INTERVAL is still due. */
const SLACK_MS = 60_000;
const PARALLEL = 4;

/** Run a dynloader once; returns the exit code (69 a download failed, 65 bad data; the last good list stays). */
export async function runDynload<E extends KeyTable>(def: DynloaderDef<E>, name: string, o: DynloadOptions = {}): Promise<number> {
  const master = o.master ?? MASTER_PATH;
  const env = o.env ?? process.env;
  const dir = dynloadDir(name, master);
  const conf = loadDynloadConf(name, def.keys, master) as DynloadConf<E> & { MIN_INTERVAL: number; LOGFILE: string };
  const parts = partsOf(def, conf, name);
  const log = new LineWriter(conf.LOGFILE, name);
  const say = (m: string): void => { log.write(m); process.stdout.write(`${name}: ${m}\n`); };
  const complain = (m: string): void => { log.write(m); process.stderr.write(`${name}: ${m}\n`); };
  for (const f of conf.files) if (/^WGET=/m.test(readFileSync(f, 'utf8'))) say(`${f}: WGET is ignored: Watcher fetches the lists itself, TLS verified`);
  const store = new Store(dir, name);
  const state = store.read();
  const never = [...readList('whitelist', master).nets, ...ownNets()];
  const ca = conf.CA_FILE ? readCa(conf.CA_FILE) : undefined;
  try {
    const outcomes = await mapLimit(parts, PARALLEL, (p) => obtain(p, { conf, store, state, never, ca, env, force: !!o.force, say }));
    let code = 0;
    for (const r of outcomes) {
      if (r.problem) {
        complain(`${r.part.url}: ${r.problem.message}; ${r.got ? `the last good list (${r.got.entries.length} entries) stays` : 'no good list kept: its Loadfile stays as it is'}`);
        if (!code || r.problem.kind === 'unavailable') code = r.problem.kind === 'unavailable' ? EX_UNAVAILABLE : EX_DATAERR;
      }
      if (r.got) tell(r, say);
    }
    const { written, removed } = writeLoadfiles(def, name, master, outcomes, state, say);
    state.loadfiles = [...new Set(parts.map((p) => p.loadfile))].filter((lf) => existsSync(join(poolDir(master), `Loadfile-${lf}`)));
    store.write(state);
    if (written.length === 0 && removed.length === 0) { say('no Loadfile changed: no reload'); return code; }
    const reloaded = await reload(removed, { master, env, say, complain, reload: o.reload !== false });
    return code || reloaded;
  } finally { log.close(); }
}

function partsOf<E extends KeyTable>(def: DynloaderDef<E>, conf: DynloadConf<E>, name: string): Part[] {
  try { return def.parts(conf, name); } catch (e) {
    if (!(e instanceof KeyValueError)) throw e;
    const at = whereSet(conf.files, e.key);
    throw new ConfError(at?.file ?? join(dynloadDir(name), `${name}.conf`), at?.line ?? 0, e.key, e.value, e.reason);
  }
}

// The last line that assigns `key` in the files read, for an error message.
function whereSet(files: readonly string[], key: string): { file: string; line: number } | undefined {
  let at: { file: string; line: number } | undefined;
  for (const file of files) readFileSync(file, 'utf8').split('\n').forEach((l, i) => { if (new RegExp(`^\\s*(export\\s+)?${key}=`).test(l)) at = { file, line: i + 1 }; });
  return at;
}

function readCa(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch (e) { throw new WatcherError(`CA_FILE ${file}: ${(e as Error).message}`, EX_CONFIG); }
}

interface Context {
  conf: DynloadConf<KeyTable> & { MIN_INTERVAL: number };
  store: Store;
  state: DynloadState;
  never: ReturnType<typeof ownNets>;
  ca?: string;
  env: NodeJS.ProcessEnv;
  force: boolean;
  say: (m: string) => void;
}

// One part: reuse it within MIN_INTERVAL, else download (conditionally), check, keep it; on failure the last good copy.
async function obtain(part: Part, c: Context): Promise<Outcome> {
  const was = c.state.parts[part.id];
  const kept = c.store.lastGood(part.id, was, part.url);
  const read = (body: Buffer): Screened => {
    const parsed = typeof part.format === 'function' ? part.format(body) : parseBody(part.format, body, { ...part.formatOptions, maxBytes: c.conf.MAX_SIZE_MB << 20 });
    if (parsed.entries.length > 0 && parsed.bad > parsed.entries.length) throw new BadList(`garbled: ${parsed.bad} lines are no entry, ${parsed.entries.length} are (${parsed.badSample.join('; ')})`);
    const s = screenEntries(parsed.entries.map((e) => ({ ...e, comment: e.comment ?? part.comment })), { family: part.family, never: c.never, keepReserved: c.conf.KEEP_RESERVED === 'yes' });
    s.invalid += parsed.bad;
    s.sample.unshift(...parsed.badSample.map((b) => `${b} is no entry`));
    return s;
  };
  const fallback = (kind: 'unavailable' | 'bad-data', message: string): Outcome => {
    let got: Screened | undefined;
    try { got = kept ? read(kept) : undefined; } catch { got = undefined; }
    return { part, got, how: 'last good', problem: { kind, message } };
  };
  if (kept && was && !c.force && Date.now() - was.fetched < c.conf.MIN_INTERVAL * 1000 - SLACK_MS) {
    c.say(`${part.url}: downloaded ${new Date(was.fetched).toISOString()}, less than MIN_INTERVAL=${c.conf.MIN_INTERVAL} s ago: that download is reused`);
    return { part, got: read(kept), how: 'reused' };
  }
  let got;
  try {
    const tty = process.stderr.isTTY;
    let shown = 0;
    got = await fetchList(part.url, {
      connectMs: c.conf.CONNECT_TIMEOUT * 1000, totalMs: c.conf.TIMEOUT * 1000, maxBytes: c.conf.MAX_SIZE_MB << 20, maxRedirects: c.conf.MAX_REDIRECTS,
      ca: c.ca, etag: kept ? was?.etag : undefined, lastModified: kept ? was?.lastModified : undefined, env: c.env,
      progress: tty ? (n, total) => { if (n - shown >= 1 << 20 || n === total) { shown = n; process.stderr.write(`\r\x1b[K${part.url}: ${mib(n)}${total ? ` of ${mib(total)}` : ''} MiB`); } } : undefined,
    }).finally(() => { if (tty && shown) process.stderr.write('\r\x1b[K'); });
  } catch (e) {
    if (e instanceof FetchError) return fallback(e.kind, e.message);
    throw e;
  }
  if (got.status === 'unchanged') {
    c.state.parts[part.id] = { ...was!, fetched: Date.now() };
    return { part, got: read(kept!), how: 'unchanged' };
  }
  let s: Screened;
  try {
    if (/^text\/html\b/i.test(got.contentType ?? '')) throw new BadList(`an HTML page (Content-Type ${got.contentType}), not a list`);
    s = read(got.body);
    const n = s.entries.length;
    if (n === 0) throw new BadList(`no entries${s.invalid ? ` (${s.invalid} bad lines: ${s.sample.slice(0, 2).join('; ')})` : ' (an empty list)'}`);
    if (n < c.conf.MIN_ENTRIES) throw new BadList(`${n} entries, fewer than MIN_ENTRIES=${c.conf.MIN_ENTRIES}`);
    if (was && kept && !c.force && n * 100 < was.entries * c.conf.MIN_SHARE) {
      throw new BadList(`suspiciously short: ${n} entries, the last good list had ${was.entries} (MIN_SHARE=${c.conf.MIN_SHARE}%; Load --force takes it)`);
    }
  } catch (e) {
    if (e instanceof BadList) return fallback('bad-data', e.message);
    throw e;
  }
  c.store.keep(part.id, got.body);
  c.state.parts[part.id] = { url: part.url, etag: got.etag, lastModified: got.lastModified, fetched: Date.now(), entries: s.entries.length };
  return { part, got: s, how: 'fresh' };
}

const mib = (n: number): string => (n / 1048576).toFixed(1);

function tell(r: Outcome, say: (m: string) => void): void {
  const s = r.got!;
  const out = [[s.invalid, 'invalid'], [s.wrongFamily, `not IPv${r.part.family}`], [s.neverBlocked, 'overlapping the whitelist, own addresses or loopback'], [s.reserved, 'in reserved ranges'], [s.duplicates, 'duplicates']]
    .filter(([n]) => n).map(([n, why]) => `${n} ${why}`);
  say(`${r.part.set}: ${s.entries.length} entries from ${r.part.url} (${r.how})${out.length ? `; left out: ${out.join(', ')}${s.sample.length ? ` (${s.sample.slice(0, 3).join('; ')})` : ''}` : ''}`);
}

// Write each Loadfile whose parts all have entries and whose text changed (tmp + rename); remove those no longer made.
function writeLoadfiles<E extends KeyTable>(def: DynloaderDef<E>, name: string, master: string, outcomes: Outcome[], state: DynloadState, say: (m: string) => void) {
  const groups = new Map<string, Outcome[]>();
  for (const r of outcomes) groups.set(r.part.loadfile, [...(groups.get(r.part.loadfile) ?? []), r]);
  const written: string[] = [], unchanged: string[] = [], removed: string[] = [];
  for (const [lf, rs] of groups) {
    if (rs.some((r) => !r.got)) continue;
    const file = join(poolDir(master), `Loadfile-${lf}`);
    const lines = [`# Loadfile-${lf}: dynloader ${name} from ${rs.map((r) => r.part.url).join(' ')}`];
    for (const r of rs) for (const e of r.got!.entries) lines.push(e.comment ? `add ${r.part.set} ${e.net} comment "${e.comment}"` : `add ${r.part.set} ${e.net}`);
    const text = `${lines.join('\n')}\n`;
    if (existsSync(file) && readFileSync(file, 'utf8') === text) { unchanged.push(lf); continue; }
    // Not a pool name while written (see isPoolName): FillFW never reads half a file.
    replaceFileMode(file, text, PRIVATE_MODE, join(poolDir(master), `.Loadfile-${lf}.${process.pid}.tmp`));
    say(`${file} written: ${lines.length - 1} entries`);
    written.push(lf);
  }
  for (const lf of state.loadfiles) {
    if (groups.has(lf) || !def.owns(lf, name)) continue;
    rmSync(join(poolDir(master), `Loadfile-${lf}`), { force: true });
    say(`Loadfile-${lf} removed: no longer configured`);
    removed.push(lf);
  }
  return { written, unchanged, removed };
}

// The seeds' `service watcher reload`, under the master's lock. The sets of removed Loadfiles (a geo
// zone's Loadfile and set share the name) are emptied first.
async function reload(removed: string[], o: { master: string; env: NodeJS.ProcessEnv; say: (m: string) => void; complain: (m: string) => void; reload: boolean }): Promise<number> {
  const starting = !!o.env.WATCHER_STARTING;
  if (!o.reload) { o.say('changed Loadfiles are loaded by the next watcher reload or start (--no-reload)'); return 0; }
  const s = { ...openService('watcher'), env: o.env, out: o.say, warn: o.complain };
  const job = async (): Promise<number> => {
    if (removed.length) await emptySets(s.conf, removed, o.master, o.say);
    if (starting) { o.say('a watcher start runs this Load: its FillFW loads the pool'); return 0; }
    return reloadService(s);
  };
  return starting ? job() : withLock(s, job);
}

// A removed zone's set: emptied at once (a start's full load would keep a set no source names).
async function emptySets(conf: Parameters<typeof openFirewall>[0], sets: string[], master: string, say: (m: string) => void): Promise<void> {
  const fw = openFirewall(conf);
  const live = new Set(await fw.sets());
  const foreign = await fw.foreign();
  const mine = sets.filter((x) => live.has(x) && !foreign.has(x));
  if (mine.length === 0) return;
  const flushload = join(poolDir(master), `.Flushload-empty.${process.pid}.tmp`);
  try { await fw.loader(flushload).finish(mine); } finally { rmSync(flushload, { force: true }); }
  say(`set${mine.length > 1 ? 's' : ''} ${mine.join(', ')} emptied`);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, job: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => { while (next < items.length) { const i = next++; out[i] = await job(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
