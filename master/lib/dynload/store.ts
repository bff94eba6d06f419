// What a dynloader keeps between runs in its own directory: the last good download of each part
// and its validators, time and entry count (<name>.state), the bodies in one file (<name>.cache:
// a dynloader of 500 parts creates one file, not 500), both 0600.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileMode, PRIVATE_MODE } from '../core/files.js';

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
  private pack: Map<string, Buffer> | undefined;
  private readonly staged = new Map<string, Buffer>();

  constructor(readonly dir: string, readonly name: string) {}

  get stateFile(): string { return join(this.dir, `${this.name}.state`); }
  get cacheFile(): string { return join(this.dir, `${this.name}.cache`); }

  /** The state of the last run; a missing or unreadable one is empty (a first run). */
  read(): DynloadState {
    try {
      const s = JSON.parse(readFileSync(this.stateFile, 'utf8')) as DynloadState;
      if (s && typeof s.parts === 'object' && Array.isArray(s.loadfiles)) return s;
    } catch { /* first run */ }
    return { parts: {}, loadfiles: [] };
  }

  /** The last good body of a part, when it is kept and was fetched from `url`. */
  lastGood(part: string, state: PartState | undefined, url: string): Buffer | undefined {
    if (!state || state.url !== url) return undefined;
    return this.staged.get(part) ?? this.bodies().get(part);
  }

  /** Keep a good body; written by save(). */
  keep(part: string, body: Buffer): void {
    this.staged.set(part, body);
  }

  /** Write the state, and the bodies of the parts still configured when one was kept anew (tmp + rename). */
  save(state: DynloadState, parts: readonly string[]): void {
    if (this.staged.size) {
      const old = this.bodies();
      const keep = parts.map((p) => [p, this.staged.get(p) ?? old.get(p)] as const).filter((x): x is readonly [string, Buffer] => x[1] !== undefined);
      const head = Buffer.from(`${JSON.stringify(Object.fromEntries(keep.map(([p, b]) => [p, b.length])))}\n`);
      // A full disk leaves the last kept copies as they were.
      replaceFileMode(this.cacheFile, Buffer.concat([head, ...keep.map(([, b]) => b)]), PRIVATE_MODE);
      this.pack = new Map(keep);
      this.staged.clear();
    }
    replaceFileMode(this.stateFile, `${JSON.stringify(state, null, 1)}\n`, PRIVATE_MODE);
  }

  // The kept bodies: a first line of JSON {part: length}, then the bodies in that order.
  private bodies(): Map<string, Buffer> {
    if (this.pack) return this.pack;
    this.pack = new Map();
    let data: Buffer;
    try { data = readFileSync(this.cacheFile); } catch { return this.pack; }
    const nl = data.indexOf(10);
    try {
      let at = nl + 1;
      for (const [p, n] of Object.entries(JSON.parse(data.subarray(0, nl).toString()) as Record<string, number>)) {
        if (!Number.isInteger(n) || n < 0 || at + n > data.length) throw new Error('cut');
        this.pack.set(p, data.subarray(at, at + n));
        at += n;
      }
    } catch { this.pack.clear(); }
    return this.pack;
  }
}
