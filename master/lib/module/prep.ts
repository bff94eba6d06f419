// Prep of a module: its database from the Schema, its tools linked into TOOLPATH. Idempotent.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../db.js';
import type { ModulePaths } from './def.js';
import type { ModuleConf } from './context.js';

/** Create the database where missing (a second run changes nothing); returns what it did. */
export function prepareDatabase(paths: ModulePaths): string {
  const existed = existsSync(paths.database);
  const db = openDatabase(paths.database, paths.schema);
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM bandits').get() as { n: number }).n;
  db.close();
  return `${paths.database}: ${existed ? `exists, ${rows} addresses` : 'created from Schema'}`;
}

/** Link programs into TOOLPATH; an existing link is renewed, a real file is left alone. */
export function linkTools(conf: ModuleConf, programs: string[]): string[] {
  mkdirSync(conf.TOOLPATH, { recursive: true });
  return programs.map((target) => {
    const link = join(conf.TOOLPATH, target.split('/').pop()!);
    let st;
    try { st = lstatSync(link); } catch { st = undefined; }
    if (st && !st.isSymbolicLink()) return `${link}: a file that is not a link is in the way, left alone`;
    if (st && readlinkSync(link) === target) return `${link} -> ${target}`;
    if (st) rmSync(link);
    symlinkSync(target, link);
    return `${link} -> ${target}`;
  });
}
