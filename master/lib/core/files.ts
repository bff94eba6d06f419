// Files and directories get the mode Watcher names, whatever the umask of whoever started it
// (umask 000 would make RUN_DIR 0777 and a pid file 0666). The kernel applies the umask at
// creation, so each helper sets the mode again on what it created or opened.
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, type OpenMode } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeError } from './exit.js';

/** The modes of what Watcher creates (README, "File modes"). */
export const DIR_MODE = 0o755;
export const PRIVATE_DIR_MODE = 0o700;
/** Attacker data, secrets: logs, traces, databases, Loadfiles, Flushload, CSV, state. */
export const PRIVATE_MODE = 0o600;
/** Files other users may read: pid, lock and status files, configuration snippets. */
export const PUBLIC_MODE = 0o644;

/**
 * Create a directory with `mode` and its missing parents with 0755; a directory that exists is
 * left as it is (LOG_DIR=/var/log is the system's; an administrator may have chosen a mode).
 */
export function makeDir(path: string, mode: number = DIR_MODE): void {
  const first = mkdirSync(path, { recursive: true, mode });
  if (first === undefined) return;
  const top = resolve(first);
  for (let p = resolve(path), leaf = true; ; p = dirname(p), leaf = false) {
    chmodSync(p, leaf ? mode : DIR_MODE);
    if (p === top || p === dirname(p)) break;
  }
}

/** Open a file (created with its missing directories) and give it exactly `mode`, new or not. */
export function openFileMode(path: string, flags: OpenMode, mode: number): number {
  makeDir(dirname(path));
  const fd = openSync(path, flags, mode);
  try {
    if ((fstatSync(fd).mode & 0o7777) !== mode) fchmodSync(fd, mode);
  } catch (e) { closeSync(fd); throw e; }
  return fd;
}

/** Write a whole file with exactly `mode`. */
export function writeFileMode(path: string, data: string | Uint8Array, mode: number): void {
  const fd = openFileMode(path, 'w', mode);
  try { writeFileSync(fd, data); } finally { closeSync(fd); }
}

/**
 * Replace a file atomically with exactly `mode`: write `tmp` beside it, then rename over it. A
 * write that fails (a full disk) leaves the file as it was, and no `tmp` behind.
 */
export function replaceFileMode(path: string, data: string | Uint8Array, mode: number, tmp = `${path}.${process.pid}.tmp`): void {
  try {
    writeFileMode(tmp, data, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(path, e);
  }
}

/**
 * replaceFileMode done by libuv's thread pool: the calling thread goes on meanwhile (a file
 * system that is slow to create files, ext4 freeing blocks with discard, holds a pool thread).
 */
export async function replaceFileModeAsync(path: string, data: string | Uint8Array, mode: number, tmp = `${path}.${process.pid}.tmp`): Promise<void> {
  try {
    makeDir(dirname(tmp));
    const fh = await open(tmp, 'w', mode);
    try {
      if (((await fh.stat()).mode & 0o7777) !== mode) await fh.chmod(mode);
      await fh.writeFile(data);
    } finally { await fh.close(); }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw writeError(path, e);
  }
}

/** Create a file where missing (empty) with exactly `mode`; an existing one keeps its content and gets `mode`. */
export function touchFileMode(path: string, mode: number): void {
  closeSync(openFileMode(path, 'a', mode));
}
