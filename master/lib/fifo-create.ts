// Create the module FIFOs that the system logger writes into.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { run } from './runner.js';
import { WatcherError, EX_CONFIG } from './exit.js';

/**
 * A FIFO is created once and then left in place: the system logger keeps it open, so a FIFO
 * that is removed and made again strands every line still buffered in the old one. An
 * existing FIFO is only tightened to mode 0600; anything else at its path is an error.
 */

/** Make sure a FIFO (mode 0600) exists at path; returns whether it had to be created. */
export async function createFifo(path: string): Promise<'created' | 'exists'> {
  let st;
  try { st = lstatSync(path); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (st) {
    if (!st.isFIFO()) throw new WatcherError(`${path}: exists and is not a FIFO (remove it, it is where the system logger feeds a module)`, EX_CONFIG);
    if ((st.mode & 0o777) !== 0o600) chmodSync(path, 0o600);
    return 'exists';
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const r = await run('mkfifo', ['-m', '0600', path], { allowFail: true });
  if (r.exitCode === 0) return 'created';
  if (lstatSync(path, { throwIfNoEntry: false })?.isFIFO()) return 'exists'; // made meanwhile by a starting module
  throw new WatcherError(`mkfifo ${path}: ${r.stderr.trim()}`, EX_CONFIG);
}
