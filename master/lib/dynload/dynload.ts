// dynload/: the dynloaders. Fetching a list safely (fetch, proxy), the providers' formats,
// the check of every entry (screen, spans), one part's download (obtain), the Loadfiles of a
// run made one by one (produce, write), what a dynloader keeps
// between runs (store), the shipped dynloaders (providers), their program frame (program) and
// one run of a dynloader (this file). It may import every folder below it, the service's
// reload included.
//
// One run of a dynloader: get each part, keep the last good copy of what fails, write the
// Loadfiles that changed (tmp + rename) and `watcher reload` them: the reload starts with the
// first Loadfile written and reads each as it comes, so ipset loads one zone while the next is
// checked and written.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EX_CONFIG, ConfError, WatcherError } from '../core/exit.js';
import { debug, LineWriter } from '../core/log.js';
import { MASTER_PATH } from '../core/paths.js';
import type { KeyTable } from '../core/settings.js';
import { ownNets, type Net } from '../net/address.js';
import { readList } from '../pool/lists.js';
import { dynloadDir, loadDynloadConf, type DynloadConf } from './conf.js';
import { KeyValueError, type DynloaderDef, type Part } from './def.js';
import { closeConnections } from './fetch.js';
import { widestOf, type ObtainContext, type Outcome } from './obtain.js';
import type { Widest } from './screen.js';
import { complainOf, feed, LoadfileQueue, obtainStale, writeChanged, type Run } from './produce.js';
import { removeUnconfigured } from './write.js';
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
/** How long a reload holding the master's lock waits for the next Loadfile of a slow download (ms). */
const LOCK_PATIENCE_MS = 2000;
const DETAIL_SHOWN = 20;

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
  // Detail of each list (its entries, its Loadfile written): all in the log, the first few on stdout (geo makes 750 such lines; cron mails stdout).
  let details = 0;
  const detail = (m: string): void => { if (details++ < DETAIL_SHOWN) say(m); else log.write(m); };
  for (const f of conf.files) if (/^\s*WGET=/m.test(readFileSync(f, 'utf8'))) say(`${f}: WGET is ignored: Watcher fetches the lists itself, TLS verified`);
  const store = new Store(dynloadDir(name, master), name);
  const state = store.read();
  const never = [...readList('whitelist', master).nets, ...ownNets()];
  const c: ObtainContext = { conf, store, state, never, ca: conf.CA_FILE ? readCa(conf.CA_FILE) : undefined, env, force: !!o.force, unreachable: new Map() };
  try {
    const key = screenKey(never, conf.KEEP_RESERVED, widestOf(conf));
    const removed = removeUnconfigured(def, name, master, new Set(parts.map((p) => p.loadfile)), state, say);
    const run: Run = { code: 0, held: new Map(), done: false };
    // The reload begins with the first Loadfile written, or as soon as a list is in whose
    // Loadfile is not there yet (its lock, its restore tool and its first questions to the
    // firewall meanwhile), and takes each Loadfile as it is written; when none is, there is none.
    const begun = new Promise<void>((r) => { run.begun = r; });
    // The sets of every part, made by the reload while the lists download.
    const sets = [...new Set(parts.map((p) => p.set))];
    const outcomes: Outcome[] = new Array(parts.length);
    const fetched = (): void => { closeConnections(); debug(1, `${parts.length} parts fetched: ${ms()} ms`); };
    const stale = obtainStale(parts, c, { parallel: PARALLEL, sameScreen: state.screened === key, master, outcomes, done: fetched });
    const queue = new LoadfileQueue(writeChanged(stale, run, { name, master, c, say, detail, complain }), () => !!run.reading);
    // When the lists still downloading keep it waiting (holding the master's lock), it ends with
    // those it has and another reload takes the rest once they are written.
    const ended = queue.more();
    ended.catch(() => undefined);
    let more = await Promise.race([begun.then(() => true), ended]);
    let reloaded = 0;
    try {
      if (!more && removed.length === 0) say('no Loadfile changed: no reload');
      let empty = removed;
      for (let round = 0; more || empty.length; round++) {
        if (round && o.reload !== false && !env.WATCHER_STARTING) say('Loadfiles written after a slow download: loaded by one more reload');
        let all = true;
        const feeding = more;
        const produce = async (take: (path: string) => Promise<void>): Promise<void> => {
          if (feeding) all = await feed(queue, take, (f) => run.held.delete(f), LOCK_PATIENCE_MS);
        };
        const code = await reloadPool(empty, { master, env, say, complain, reload: o.reload !== false, held: run.held, produce, sets });
        reloaded ||= code;
        empty = [];
        more = !all && await queue.more();
      }
    } finally {
      // A reload that failed, or never read them, still leaves every Loadfile written, and the state that says so.
      await queue.drain(complain);
      if (run.done) {
        state.loadfiles = [...new Set(parts.map((p) => p.loadfile))].filter((lf) => existsSync(join(master, 'Loadfiles', `Loadfile-${lf}`)));
        state.screened = key;
        store.save(state, parts.map((p) => p.id));
      }
    }
    debug(1, `Loadfiles written and loaded: ${ms()} ms`);
    for (const r of outcomes) if (r.problem && !r.told) run.code = complainOf(r, state, complain, run.code);
    // Lists not read again: one line for all (geo has 500).
    const quiet = (how: Outcome['how']): string[] => outcomes.filter((r) => r.how === how && !r.got && !r.problem).map((r) => r.part.url);
    const some = (urls: string[]): string => `${urls.slice(0, 3).join(' ')}${urls.length > 3 ? ` and ${urls.length - 3} more` : ''}`;
    const reused = quiet('reused'), same = quiet('unchanged');
    if (reused.length) say(`${reused.length} download${reused.length > 1 ? 's' : ''} of less than MIN_INTERVAL=${conf.MIN_INTERVAL} s ago reused, no request: ${some(reused)}`);
    if (same.length) say(`${same.length} list${same.length > 1 ? 's' : ''} unchanged (304): ${some(same)}`);
    if (details > DETAIL_SHOWN) say(`${details - DETAIL_SHOWN} more lines of detail in ${conf.LOGFILE}`);
    say(`done in ${(ms() / 1000).toFixed(3)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB${run.code ? ` (exit ${run.code})` : ''}`);
    return run.code || reloaded;
  } finally { log.close(); }
}

// What the entries were checked against: a change re-reads every kept list.
function screenKey(never: readonly Net[], keepReserved: string, widest: Widest): string {
  return createHash('sha1').update(`${keepReserved} /${widest[4]} /${widest[6]}\n${never.map((n) => n.text).sort().join('\n')}`).digest('hex');
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
