// dynload/: the dynloaders. Fetching a list safely (fetch, proxy), the providers' formats,
// the check of every entry (screen), one part's download (obtain), what a dynloader keeps
// between runs (store), the shipped dynloaders (providers), their program frame (program) and
// one run of a dynloader (this file). It may import every folder below it, the service's
// reload included.
//
// One run of a dynloader: get each part, keep the last good copy of what fails, write the
// Loadfiles that changed (tmp + rename), then `watcher reload`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EX_CONFIG, EX_DATAERR, EX_UNAVAILABLE, ConfError, WatcherError } from '../core/exit.js';
import { debug, LineWriter } from '../core/log.js';
import { MASTER_PATH } from '../core/paths.js';
import type { KeyTable } from '../core/settings.js';
import { ownNets, type Net } from '../net/address.js';
import { readList } from '../pool/lists.js';
import { dynloadDir, loadDynloadConf, type DynloadConf } from './conf.js';
import { KeyValueError, type DynloaderDef, type Part } from './def.js';
import { closeConnections } from './fetch.js';
import { obtain, readPart, type ObtainContext, type Outcome } from './obtain.js';
import { writeLoadfiles } from './write.js';
import { reloadPool } from './reload.js';
import { Store } from './store.js';

export interface DynloadOptions {
  /** Download now, whatever MIN_INTERVAL says, and take a list however short (MIN_SHARE). */
  force?: boolean;
  /** Run `watcher reload` when a Loadfile changed (the seeds' exit; off while testing a copy). */
  reload?: boolean;
  master?: string;
  env?: NodeJS.ProcessEnv;
}

const PARALLEL = 8;

/** Run a dynloader once; returns the exit code (69 a download failed, 65 bad data; the last good list stays). */
export async function runDynload<E extends KeyTable>(def: DynloaderDef<E>, name: string, o: DynloadOptions = {}): Promise<number> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  const master = o.master ?? MASTER_PATH;
  const env = o.env ?? process.env;
  const conf = loadDynloadConf(name, def.keys, master) as DynloadConf<E> & { MIN_INTERVAL: number; LOGFILE: string };
  const parts = partsOf(def, conf, name);
  const log = new LineWriter(conf.LOGFILE, name);
  const say = (m: string): void => { log.write(m); process.stdout.write(`${name}: ${m}\n`); };
  const complain = (m: string): void => { log.write(m); process.stderr.write(`${name}: ${m}\n`); };
  for (const f of conf.files) if (/^\s*WGET=/m.test(readFileSync(f, 'utf8'))) say(`${f}: WGET is ignored: Watcher fetches the lists itself, TLS verified`);
  const store = new Store(dynloadDir(name, master), name);
  const state = store.read();
  const never = [...readList('whitelist', master).nets, ...ownNets()];
  const c: ObtainContext = { conf, store, state, never, ca: conf.CA_FILE ? readCa(conf.CA_FILE) : undefined, env, force: !!o.force, unreachable: new Map() };
  try {
    const outcomes = await mapLimit(parts, PARALLEL, (p) => obtain(p, c)).finally(closeConnections);
    debug(1, `${parts.length} parts fetched: ${ms()} ms`);
    const key = screenKey(never, conf.KEEP_RESERVED);
    const fresh = readWhatChanged(outcomes, state.screened === key, master, c);
    let code = 0;
    for (const r of outcomes) {
      if (r.problem) {
        complain(`${r.problem.message.startsWith(r.part.url) ? '' : `${r.part.url}: `}${r.problem.message}; ${r.body ? `the last good list (${r.got?.entries.length ?? state.parts[r.part.id]?.entries} entries) stays` : 'no good list kept: its Loadfile stays as it is'}`);
        if (!code || r.problem.kind === 'unavailable') code = r.problem.kind === 'unavailable' ? EX_UNAVAILABLE : EX_DATAERR;
      }
      if (r.got) tell(r, say);
    }
    // Lists not read again: one line for all (geo has 500).
    const quiet = (how: Outcome['how']): string[] => outcomes.filter((r) => r.how === how && !r.got && !r.problem).map((r) => r.part.url);
    const some = (urls: string[]): string => `${urls.slice(0, 3).join(' ')}${urls.length > 3 ? ` and ${urls.length - 3} more` : ''}`;
    const reused = quiet('reused'), same = quiet('unchanged');
    if (reused.length) say(`${reused.length} download${reused.length > 1 ? 's' : ''} of less than MIN_INTERVAL=${conf.MIN_INTERVAL} s ago reused, no request: ${some(reused)}`);
    if (same.length) say(`${same.length} list${same.length > 1 ? 's' : ''} unchanged (304): ${some(same)}`);
    const { written, removed, refused, held } = writeLoadfiles(def, name, master, fresh, new Set(parts.map((p) => p.loadfile)), state, { minShare: conf.MIN_SHARE, force: !!o.force }, say);
    for (const why of refused) { complain(`${why}: suspiciously short, it stays as it is`); code ||= EX_DATAERR; }
    debug(1, `Loadfiles written: ${ms()} ms`);
    state.loadfiles = [...new Set(parts.map((p) => p.loadfile))].filter((lf) => existsSync(join(master, 'Loadfiles', `Loadfile-${lf}`)));
    state.screened = key;
    store.save(state, parts.map((p) => p.id));
    if (written.length === 0 && removed.length === 0) say('no Loadfile changed: no reload');
    const reloaded = written.length || removed.length ? await reloadPool(removed, { master, env, say, complain, reload: o.reload !== false, held }) : 0;
    say(`done in ${(ms() / 1000).toFixed(3)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB${code ? ` (exit ${code})` : ''}`);
    return code || reloaded;
  } finally { log.close(); }
}

/**
 * The kept bodies are read again only for a Loadfile that is written anyway (one of its parts
 * is fresh), that is missing, or whose entries were checked against another whitelist, other
 * own addresses or another KEEP_RESERVED: an unchanged list costs no parsing and no reload.
 */
function readWhatChanged(outcomes: Outcome[], sameScreen: boolean, master: string, c: ObtainContext): Outcome[] {
  const stale = new Set(outcomes.filter((r) => r.got || !sameScreen || !existsSync(join(master, 'Loadfiles', `Loadfile-${r.part.loadfile}`))).map((r) => r.part.loadfile));
  for (const r of outcomes) {
    if (r.got || !r.body || !stale.has(r.part.loadfile)) continue;
    try { r.got = readPart(r.part, r.body, c); } catch { r.body = undefined; }
  }
  return outcomes.filter((r) => stale.has(r.part.loadfile));
}

// What the entries were checked against: a change re-reads every kept list.
function screenKey(never: readonly Net[], keepReserved: string): string {
  return createHash('sha1').update(`${keepReserved}\n${never.map((n) => n.text).sort().join('\n')}`).digest('hex');
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

function tell(r: Outcome, say: (m: string) => void): void {
  const s = r.got!;
  const out = [[s.invalid, 'invalid'], [s.wrongFamily, `not IPv${r.part.family}`], [s.neverBlocked, 'overlapping the whitelist, own addresses or loopback'], [s.reserved, 'in reserved ranges'], [s.duplicates, 'duplicates']]
    .filter(([n]) => n).map(([n, why]) => `${n} ${why}`);
  say(`${r.part.set}: ${s.entries.length} entries from ${r.part.url} (${r.how})${out.length ? `; left out: ${out.join(', ')}${s.sample.length ? ` (${s.sample.slice(0, 3).join('; ')})` : ''}` : ''}`);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, job: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => { while (next < items.length) { const i = next++; out[i] = await job(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

