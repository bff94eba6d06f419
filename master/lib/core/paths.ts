// Where this installation lives: MASTER_PATH is the tree the running program belongs to.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WatcherError, EX_UNAVAILABLE } from './exit.js';

/** Find MASTER_PATH from a file inside the tree (source or compiled under dist/). */
export function findMasterPath(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(resolve(from));
  for (;;) {
    if (existsSync(join(dir, 'loader.conf')) && existsSync(join(dir, 'master'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new WatcherError(`cannot find MASTER_PATH above ${from} (no loader.conf)`, EX_UNAVAILABLE);
    dir = up;
  }
}

export const MASTER_PATH = findMasterPath();

/** The module tokens of the seeds (Trace LG, Refresh mx) and the module each names. */
export const MODULE_TOKENS: Readonly<Record<string, string>> = {
  LG: 'WatchLG',
  MX: 'WatchMX',
  MB: 'WatchMB',
  WB: 'WatchWB',
  GE: 'GeoTrack',
};

/** Resolve a token (case-insensitive) or a module name to the module name. */
export function moduleByToken(token: string): string | undefined {
  const up = token.toUpperCase();
  if (MODULE_TOKENS[up]) return MODULE_TOKENS[up];
  return Object.values(MODULE_TOKENS).find((m) => m.toLowerCase() === token.toLowerCase());
}

/** The directory of a module in this installation. */
export function moduleDir(name: string, master: string = MASTER_PATH): string {
  return join(master, 'modules', name);
}
