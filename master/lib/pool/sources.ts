// The sources FillFW loads (static lists and the load pool) and what the last load took from each.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { replaceFileMode, PRIVATE_MODE } from '../core/files.js';

/** A file FillFW reads: a static list (whitelist, blacklist) or a Loadfile of the pool. */
export interface Source {
  path: string;
  /** 'list' files are in the seeds' list format and fill the set of their name. */
  kind: 'list' | 'loadfile';
  /** For a list: its set. For a Loadfile: the source name after 'Loadfile-'. */
  name: string;
}

/** What a source held at the last load: its file identity and the sets it named. */
export interface SourceState {
  mtimeMs: number; size: number; ino: number; sets: string[];
  /** What the load that read it in full took: entries, lines refused (bad, or by the backend), entries spared by the whitelist. */
  entries?: number; problems?: number; spared?: number;
}
export type LoadState = Record<string, SourceState>;

/** Which file a source is: inode, size and modification time. */
export type SourceIdentity = Omit<SourceState, 'sets' | 'entries' | 'problems' | 'spared'>;

export const STATIC_LISTS = ['whitelist', 'blacklist'] as const;

/** The Loadfiles directory of an installation. */
export function poolDir(master: string): string {
  return join(master, 'Loadfiles');
}

/**
 * A file name of the load pool: `Loadfile-<source>`, not a backup (`~`) or a file being written
 * (`.tmp`; writers write `.Loadfile-<source>.<pid>.tmp` and rename it into place).
 */
export function isPoolName(f: string): boolean {
  return /^Loadfile-[^/]+$/.test(f) && !f.endsWith('~') && !f.endsWith('.tmp');
}

/** Every source of an installation: the static lists, then Loadfile-* in name order. */
export function listSources(master: string): Source[] {
  const out: Source[] = STATIC_LISTS.map((name) => ({ path: join(master, name), kind: 'list' as const, name }));
  const dir = poolDir(master);
  const names = existsSync(dir) ? readdirSync(dir).filter(isPoolName).sort() : [];
  for (const f of names) out.push(loadfileSource(join(dir, f)));
  return out;
}

/** The source of a Loadfile of the pool, by its path. */
export function loadfileSource(path: string): Source {
  return { path, kind: 'loadfile', name: basename(path).slice('Loadfile-'.length) };
}

/** The identity of a file now; undefined when it does not exist. */
export function statSource(path: string): Omit<SourceState, 'sets'> | undefined {
  try {
    const s = statSync(path);
    return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
  } catch { return undefined; }
}

/** The file is the one the state describes (same inode, size and modification time). */
export function isUnchanged(now: Omit<SourceState, 'sets'> | undefined, was: Omit<SourceState, 'sets'> | undefined): boolean {
  return now !== undefined && was !== undefined && now.mtimeMs === was.mtimeMs && now.size === was.size && now.ino === was.ino;
}

/** The state file: RUN_DIR is emptied at boot, like the kernel's sets, so no stale state survives a reboot. */
export function stateFile(runDir: string): string {
  return join(runDir, 'FillFW.state');
}

/** Read the state of the last load; undefined when there is none (or it is unreadable). */
export function readState(runDir: string): LoadState | undefined {
  try { return JSON.parse(readFileSync(stateFile(runDir), 'utf8')) as LoadState; } catch { return undefined; }
}

/** Write the state atomically. */
export function writeState(runDir: string, state: LoadState): void {
  const file = stateFile(runDir);
  replaceFileMode(file, JSON.stringify(state), PRIVATE_MODE, `${file}.tmp`);
}
