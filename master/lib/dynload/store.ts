// What a dynloader keeps between runs in its own directory: the last good download of each part
// (cache/<part>, 0600) and its validators, time and entry count (<name>.state, 0600).
import { closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openFileMode, replaceFileMode, PRIVATE_MODE } from '../core/files.js';

/** The last good download of one part. */
export interface PartState { url: string; etag?: string; lastModified?: string; fetched: number; entries: number }

export interface DynloadState {
  parts: Record<string, PartState>;
  /** Loadfiles (source names) written by the last run: one no longer written is removed. */
  loadfiles: string[];
  /** What the entries of the Loadfiles were checked against (whitelist, own addresses, KEEP_RESERVED). */
  screened?: string;
}

export class Store {
  constructor(readonly dir: string, readonly name: string) {}

  get stateFile(): string { return join(this.dir, `${this.name}.state`); }
  cacheFile(part: string): string { return join(this.dir, 'cache', part); }

  /** The state of the last run; a missing or unreadable one is empty (a first run). */
  read(): DynloadState {
    try {
      const s = JSON.parse(readFileSync(this.stateFile, 'utf8')) as DynloadState;
      if (s && typeof s.parts === 'object' && Array.isArray(s.loadfiles)) return s;
    } catch { /* first run */ }
    return { parts: {}, loadfiles: [] };
  }

  write(state: DynloadState): void {
    replaceFileMode(this.stateFile, `${JSON.stringify(state, null, 1)}\n`, PRIVATE_MODE);
  }

  /** The last good body of a part, when it is kept and was fetched from `url`. */
  lastGood(part: string, state: PartState | undefined, url: string): Buffer | undefined {
    if (!state || state.url !== url) return undefined;
    try { return readFileSync(this.cacheFile(part)); } catch { return undefined; }
  }

  /** Keep a good body (tmp + rename: a crash leaves the old one). */
  keep(part: string, body: Buffer): void {
    const file = this.cacheFile(part);
    const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    const fd = openFileMode(tmp, 'w', PRIVATE_MODE);
    try { writeFileSync(fd, body); } finally { closeSync(fd); }
    renameSync(tmp, file);
  }

  forget(part: string): void {
    rmSync(this.cacheFile(part), { force: true });
  }
}
