// The module status file ($RUN_DIR/<name>.status): counters, rewritten atomically each second.
import { renameSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

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
  /** lines whose syslog header did not parse: scanned from their first character. */
  unparsed: number;
  /** inject found no peer address in the line. */
  noaddress: number;
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
}

export function newCounters(): Counters {
  return { lines: 0, skipped: 0, matched: {}, untreated: 0, injected: 0, tarpitted: 0, dropped: 0, passedon: 0, passonLost: 0, unparsed: 0, noaddress: 0, spared: 0, overlong: 0, pending: 0, unwritten: 0, unwrittenLost: 0, dbRefusingSince: null, dbProblem: null };
}

/** Writes the status file: tmp file + rename, so a reader never sees half of it. */
export class StatusFile {
  private readonly started = new Date().toISOString();
  constructor(readonly path: string, readonly module: string, readonly pid = process.pid) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(c: Counters): void {
    const tmp = `${this.path}.${this.pid}.tmp`;
    const body = { module: this.module, pid: this.pid, started: this.started, updated: new Date().toISOString(), ...c };
    writeFileSync(tmp, JSON.stringify(body) + '\n', { mode: 0o644 });
    renameSync(tmp, this.path);
  }

  remove(): void { rmSync(this.path, { force: true }); }
}
