// geo/: GeoTrack, the pseudo-module. The whois client (RFC 3912) and the answers of IANA and the
// registries (whois, answer, range, registries), registry limits, the lookup following IANA's
// referral, geotrack.db and GeoCount, the tracker (queue, custody) and the programs GeoTrack,
// LoadGeo, ExpireGeo, StatGeo and Prep. It may import core/, net/, firewall/, pool/ and module/,
// never service/.
//
// The long-running GeoTrack: `ADDR Watch<XX>` lines from $FIFO_BASE/GeoTrack in, networks and
// custody out. HUP rereads GeoTrack.conf (ZONES, whois settings) and the whitelist and reopens
// the log and trace; TERM stops cleanly (the queue is in geotrack.db).
import { join } from 'node:path';
import { getPriority, setPriority } from 'node:os';
import { rmSync, statSync } from 'node:fs';
import { LineSplitter } from '../core/lines.js';
import { LineWriter, Trace } from '../core/log.js';
import { claimPidFile } from '../core/pidfile.js';
import { StatusFile, type Reloaded } from '../core/status.js';
import { EX_SOFTWARE } from '../core/exit.js';
import { openFirewall } from '../firewall/index.js';
import { FifoReader } from '../module/fifo.js';
import { closeInTime, FIREWALL_MARGIN_MS } from '../module/run.js';
import { systemClock } from '../core/clock.js';
import { loadSpare } from '../module/context.js';
import { OtherModules } from '../pool/claims.js';
import { SCANNER_BUSY_MS } from '../module/db.js';
import { loadGeoConf, lookupOptions, type GeoConf } from './conf.js';
import { openGeoDb } from './db.js';
import { GeoLookup } from './lookup.js';
import { ServerLimits } from './limits.js';
import { GeoTracker } from './track.js';
import { parseHandOver } from './answer.js';
import { geoDir, GEO_NAME } from './load.js';

/** The nice level GeoTrack runs at (the modules at the service's, normally 0). */
export const GEO_NICE = 10;

/** The FIFO of GeoTrack. */
export function geoFifo(conf: { FIFO_BASE: string }): string { return join(conf.FIFO_BASE, GEO_NAME); }

/** A disabled GeoTrack leaves no FIFO behind: the modules then hand nothing over. */
function removeFifo(path: string): boolean {
  try { if (!statSync(path).isFIFO()) return false; } catch { return false; }
  rmSync(path, { force: true });
  return true;
}

/** Run GeoTrack in the foreground until SIGTERM; resolves with the exit code. */
export async function runGeoTrack(): Promise<number> {
  let onHup = (): void => { hupEarly = true; };
  let hupEarly = false;
  const hup = (): void => onHup();
  process.on('SIGHUP', hup);
  let conf: GeoConf = loadGeoConf();
  const dir = geoDir();
  const log = new LineWriter(conf.LOGFILE, GEO_NAME);
  const trace = new Trace(join(dir, `${GEO_NAME}.trace`), GEO_NAME, conf.TRACE);
  const fifo = geoFifo(conf);
  if (conf.ENABLED === '') {
    const removed = removeFifo(fifo);
    const msg = `not enabled (ENABLED= in GeoTrack.conf): no FIFO${removed ? ` (${fifo} removed)` : ''}, the modules hand nothing over`;
    log.write(msg);
    log.close();
    process.stdout.write(`GeoTrack: ${msg}\n`);
    return 0;
  }
  const pid = claimPidFile(conf.RUN_DIR, GEO_NAME);
  // GeoTrack is background work: a burst of lookups never takes CPU from the scanners.
  try { setPriority(0, Math.max(getPriority(0), GEO_NICE)); } catch (e) { log.write(`nice ${GEO_NICE} not taken: ${(e as Error).message}`); }
  const fatal = (e: unknown): void => {
    log.write(`fatal: ${(e as Error)?.stack ?? String(e)}`);
    log.close();
    trace.close();
    pid.release();
    process.exit(EX_SOFTWARE);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const status = new StatusFile(join(conf.RUN_DIR, `${GEO_NAME}.status`), GEO_NAME);
  let db, fw, channel;
  try {
    // A short busy wait: the FIFO and the whois answers are read on the same thread. While
    // another process holds the lock (ExpireGeo, a sqlite3 session), writes are tried again later.
    db = openGeoDb(dir, SCANNER_BUSY_MS);
    fw = openFirewall(conf);
    await fw.ensure();
    channel = fw.channel();
  } catch (e) { pid.release(); log.write(`start failed: ${(e as Error).message}`); log.close(); throw e; }
  let spare = await loadSpare(fw);
  const limits = new ServerLimits(conf.WHOIS_RATE, conf.WHOIS_BACKOFF);
  const lookup = new GeoLookup(lookupOptions(conf), limits, (m) => trace.write(m));
  const tracker = new GeoTracker({
    db, lookup, fw: channel, spare: () => spare, conf,
    dropper: (a) => { const o = new OtherModules(join(dir, 'geotrack.db')); try { return o.dropper(a); } finally { o.close(); } },
    log: (m) => log.write(m), trace: (m) => trace.write(m),
  });
  if (tracker.backlog) log.write(`${tracker.backlog} addresses of an earlier run wait in the queue`);
  const splitter = new LineSplitter();
  const reader = new FifoReader(fifo, (chunk) => {
    const items: { address: string; origin: string }[] = [];
    for (const line of splitter.push(chunk)) {
      const h = parseHandOver(line);
      if (h) items.push(h);
      else if (line.trim() !== '') { tracker.counters.unparsed++; trace.write(`not a hand-over (ADDR Watch<XX>): ${JSON.stringify(line.slice(0, 200))}`); }
    }
    tracker.counters.overlong = splitter.overlong;
    tracker.handOver(items);
  }, (m) => log.write(m));
  await reader.open();
  tracker.start();
  log.write(`started: ZONES '${[...conf.zones].join(' ').toLowerCase()}', ${tracker.routes.size} networks known, asking ${conf.WHOIS_SERVER}, reading ${fifo}`);
  let reloaded: Reloaded | undefined;
  const writeStatus = (): void => {
    if (reloaded) status.reloaded = reloaded;
    const c = tracker.counters;
    // The figures every module's status has, for `watcher status`: hand-overs skipped, located or known, networks put in custody.
    status.write({ ...c, skipped: c.unparsed + c.spared, untreated: 0, injected: c.located + c.known, tarpitted: 0, dropped: c.custody, counted: tracker.geocount.counted, paused: limits.paused() } as never);
  };
  writeStatus();
  let syncing = false;
  const tick = setInterval(() => {
    try { tracker.geocount.flush(); } catch (e) { log.write(`GeoCount: not written now (${(e as Error).message})`); }
    tracker.saveQueue();
    writeStatus();
    void reader.check().catch((e: Error) => log.write(`cannot recreate ${reader.path}: ${e.message}`));
    if (!syncing) {
      syncing = true;
      channel.sync().catch((e: Error) => log.write(`firewall: ${e.message}`)).finally(() => { syncing = false; });
    }
  }, 1000);
  onHup = (): void => {
    log.reopen();
    trace.reopen();
    const time = new Date().toISOString();
    try {
      const next = loadGeoConf();
      conf = next;
      const z = tracker.configure(next);
      if (z.added || z.removed) log.write(`ZONES changed: ${z.added} recorded networks put in custody, ${z.removed} taken out`);
      limits.set(next.WHOIS_RATE, next.WHOIS_BACKOFF);
      lookup.configure(lookupOptions(next));
    } catch (e) {
      log.write(`reload (HUP) refused, the old settings stay: ${(e as Error).message}`);
      reloaded = { time, ok: false, problems: [(e as Error).message] };
      writeStatus();
      return;
    }
    void loadSpare(fw).then((s) => { spare = s; }).catch((e: Error) => log.write(`whitelist not reloaded: ${e.message}`)).finally(() => {
      log.write(`reloaded (HUP): ZONES '${[...conf.zones].join(' ').toLowerCase()}'; log and trace reopened`);
      reloaded = { time, ok: true, problems: [], rules: conf.zones.size, files: 1 };
      writeStatus();
    });
  };
  if (hupEarly) onHup();
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const stopAt = systemClock.mono() + conf.STOP_GRACE * 1000;
  clearInterval(tick);
  reader.close(true);
  const rest = splitter.end();
  if (rest.length) tracker.handOver(rest.map(parseHandOver).filter((h) => h !== undefined));
  await tracker.stop(Math.max(200, conf.STOP_GRACE * 1000 - 1000));
  try { tracker.geocount.flush(); } catch (e) { log.write(`GeoCount: ${(e as Error).message}`); }
  // The firewall's last changes, waited for until shortly before the master's SIGKILL.
  const fwInTime = await closeInTime({ close: async () => { await channel.sync(); await channel.close(); }, channel }, stopAt - FIREWALL_MARGIN_MS, conf.STOP_GRACE, log);
  db.close();
  status.remove();
  pid.release();
  const c = tracker.counters;
  log.write(`stopped (${signal}): ${c.lines} addresses handed over, ${c.known} in known networks, ${c.located} located with ${c.queries} queries, ${c.custody} networks put in custody, ${tracker.backlog} left in the queue`);
  log.close();
  trace.close();
  process.off('SIGHUP', hup);
  // A firewall still busy (its process holds the event loop) is left at once.
  if (!fwInTime) setTimeout(() => process.exit(process.exitCode ?? 0), 0).unref();
  process.off('uncaughtException', fatal);
  process.off('unhandledRejection', fatal);
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  return 0;
}
