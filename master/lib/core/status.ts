// The module status file ($RUN_DIR/<name>.status): counters, rewritten atomically each second.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDir, replaceFileMode, PUBLIC_MODE } from './files.js';

/** The counters a module keeps; the status file is their JSON with pid and times. */
export interface Counters {
  lines: number;
  skipped: number;
  matched: Record<string, number>;
  untreated: number;
  injected: number;
  tarpitted: number;
  dropped: number;
  passedon: number;
  /** passon lines dropped: the companion's queue was over its bound (never otherwise). */
  passonLost: number;
  /** new addresses handed to GeoTrack (`ADDR Watch<XX>` into its FIFO). */
  geoHandedOver: number;
  /** new addresses GeoTrack's FIFO did not take at once (GeoTrack stopped, or its FIFO full): dropped, never waited for. */
  geoLost: number;
  /** lines whose syslog header did not parse: scanned from their first character. */
  unparsed: number;
  /** inject found no peer address in the line. */
  noaddress: number;
  /** affairs of lines that name no peer, counted for the peer another line of their session (program[pid]) names. */
  carried: number;
  /** affairs of lines that name no peer whose session named none either (or an ambiguous one): nothing counted. */
  uncarried: number;
  /** inject found more than one address where the service writes its peer: nothing counted. */
  ambiguous: number;
  /** session affairs held until their session shows a try or ends. */
  held: number;
  /** lines of a session that had already counted: nothing added. */
  included: number;
  /** whitelist, own address or loopback: never blocked. */
  spared: number;
  /** lines over MAX_LINE, discarded. */
  overlong: number;
  /** affairs waiting for a DNS answer. */
  pending: number;
  /** affairs held in memory while the database refuses writes (locked, disk full): written when it takes them again. */
  unwritten: number;
  /** affairs beyond the bound of held ones (MAX_HELD_AFFAIRS) while the database refused: applied to the firewall, never written. */
  unwrittenLost: number;
  /** since when (ISO time) the database refuses writes; null while it takes them. */
  dbRefusingSince: string | null;
  /** why it refuses (its last answer: locked, disk full, shared memory file unusable); null while it takes writes. */
  dbProblem: string | null;
  /** per instance of a module that reads one in each line (WatchWB: vhost:port). */
  instances?: Record<string, InstanceCounts>;
}

/** The counts of one instance (WatchWB: a vhost:port). */
export interface InstanceCounts { type: string; lines: number; skipped: number; matched: number; untreated: number; injected: number; tarpitted: number; dropped: number }

/** Instances counted apart at most; the rest go under OTHER_INSTANCES. */
export const MAX_INSTANCES = 1000;
export const OTHER_INSTANCES = '(other)';

/** The counts of an instance, made on first use. */
export function instanceCounts(c: Counters, instance: string, type = 'generic'): InstanceCounts {
  const all = (c.instances ??= {});
  let k = all[instance];
  if (k === undefined) {
    if (Object.keys(all).length >= MAX_INSTANCES) return instanceCounts(c, OTHER_INSTANCES, '-');
    k = all[instance] = { type, lines: 0, skipped: 0, matched: 0, untreated: 0, injected: 0, tarpitted: 0, dropped: 0 };
  }
  return k;
}

export function newCounters(): Counters {
  return { lines: 0, skipped: 0, matched: {}, untreated: 0, injected: 0, tarpitted: 0, dropped: 0, passedon: 0, passonLost: 0, geoHandedOver: 0, geoLost: 0, unparsed: 0, noaddress: 0, carried: 0, uncarried: 0, ambiguous: 0, held: 0, included: 0, spared: 0, overlong: 0, pending: 0, unwritten: 0, unwrittenLost: 0, dbRefusingSince: null, dbProblem: null };
}

/** The outcome of the last reload (SIGHUP): whether the new rules were taken, else each problem as file:line. */
export interface Reloaded { time: string; ok: boolean; problems: string[]; rules?: number; files?: number }

/** Writes the status file: tmp file + rename, so a reader never sees half of it. */
export class StatusFile {
  private readonly started = new Date().toISOString();
  /** Kept in every write from the first reload on (`Refresh` waits for it to change). */
  reloaded?: Reloaded;
  constructor(readonly path: string, readonly module: string, readonly pid = process.pid) {
    makeDir(dirname(path));
  }

  write(c: Counters): void {
    const body = { module: this.module, pid: this.pid, started: this.started, updated: new Date().toISOString(), ...c, ...(this.reloaded ? { reloaded: this.reloaded } : {}) };
    replaceFileMode(this.path, JSON.stringify(body) + '\n', PUBLIC_MODE, `${this.path}.${this.pid}.tmp`);
  }

  remove(): void { rmSync(this.path, { force: true }); }
}
