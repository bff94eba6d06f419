// Load<XX>: the DROP rows of a module database as its Loadfile (DESIGN §3 format).
import { closeSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatDateTime, systemClock } from '../core/clock.js';
import { openDatabase } from './db.js';
import { tarpitSeconds } from './affairs.js';
import { MASTER_PATH } from '../core/paths.js';
import type { ModuleDef, ModulePaths } from './def.js';
import type { ModuleConf } from './context.js';
import { openFileMode, PRIVATE_MODE } from '../core/files.js';
import { writeError } from '../core/exit.js';

/** The Loadfile of a module in this installation. */
export function loadfilePath(def: ModuleDef, master: string = MASTER_PATH): string {
  return join(master, 'Loadfiles', `Loadfile-${def.name}`);
}

// Seconds left of a tarpit that started at `last` (local 'YYYY-MM-DD HH:MM:SS'); none for a time that is no date.
function remaining(last: string, affairs: number, timeSlice: number, now: number): number {
  const since = (now - new Date(last.replace(' ', 'T')).getTime()) / 1000;
  const left = Math.floor(tarpitSeconds(affairs, timeSlice) - since);
  return Number.isFinite(left) ? left : 0;
}

/**
 * Write `add custody <addr>` for every DROP row and `add tarpit <addr> timeout <s>` for every
 * address whose tarpit has time left; tmp file + rename, so FillFW never reads half a file.
 */
export function writeLoadfile(def: ModuleDef, conf: ModuleConf, paths: ModulePaths, progress?: (n: number) => void): { file: string; custody: number; tarpit: number } {
  const db = openDatabase(paths.database, paths.schema);
  const file = loadfilePath(def);
  // Not a pool name (see isPoolName): a FillFW running meanwhile never reads it half-written.
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openFileMode(tmp, 'w', PRIVATE_MODE);
  const now = systemClock.now();
  let written = false;
  let custody = 0, tarpit = 0, buf = `# Loadfile-${def.name}, written by Load ${formatDateTime(now)} from ${paths.database}\n`;
  try {
    for (const r of db.prepare("SELECT address, status, affairs, last_seen FROM bandits WHERE status = 'DROP' OR last_seen >= ?").iterate(formatDateTime(now - tarpitSeconds(conf.MAX_AFFAIRS, conf.TIME_SLICE) * 1000)) as Iterable<{ address: string; status: string; affairs: number; last_seen: string }>) {
      if (r.status === 'DROP') { buf += `add custody ${r.address}\n`; custody++; }
      else {
        const left = remaining(r.last_seen, r.affairs, conf.TIME_SLICE, now);
        if (left <= 0) continue;
        buf += `add tarpit ${r.address} timeout ${left}\n`;
        tarpit++;
      }
      if (buf.length > 1 << 20) { writeSync(fd, buf); buf = ''; progress?.(custody + tarpit); }
    }
    writeSync(fd, buf);
    written = true;
  } catch (e) {
    throw writeError(file, e);
  } finally {
    closeSync(fd);
    db.close();
    // A full disk: the last Loadfile stays, and no half-written one beside it.
    if (!written) rmSync(tmp, { force: true });
  }
  renameSync(tmp, file);
  return { file, custody, tarpit };
}
