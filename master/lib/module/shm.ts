// The shared memory file of a WAL database (<db>-shm), watched so that SQLite never touches a
// mapping the kernel would answer with SIGBUS.
//
// Invariants:
// - SQLite maps <db>-shm into memory. A write to that mapping after the file was made
//   immutable (chattr +i), or any access past its end after it was truncated, kills the
//   process with SIGBUS: no exception, no log line. So the file is looked at before every use
//   of the connection, with calls that never open it (an open and close of our own would drop
//   the POSIX locks SQLite holds on it): stat for inode and size, access(W_OK) for
//   "writable" (EPERM for an immutable file, even for root).
// - The inode and size are remembered after each use that went well. Another inode, or none,
//   means the file vanished or was replaced under the connection: it must be closed and opened
//   again (two processes with two WAL indexes would corrupt the database). A smaller size
//   means it was truncated: it is extended back by another process (truncate -s) before the
//   connection may close, since closing can touch the mapping too.
import { accessSync, constants, statSync, type Stats } from 'node:fs';

/** What the shared memory file says now. */
export type ShmState =
  | { kind: 'ok' }
  /** Not writable (immutable, read-only file system): hold off, use the connection again once it is. */
  | { kind: 'unwritable'; problem: string }
  /** Gone or another file: reopen the connection (safe: its own mapping is intact). */
  | { kind: 'replaced'; problem: string }
  /** Truncated under the mapping: extend it back to `size`, then reopen. */
  | { kind: 'shrunk'; problem: string; size: number };

export class ShmGuard {
  private ino?: number;
  private size = 0;

  constructor(readonly path: string) {}

  /** Remember the file the connection maps now (after a use that went well). */
  mark(): void {
    const s = stat(this.path);
    this.ino = s?.ino;
    this.size = s?.size ?? 0;
  }

  /** Forget the file (the connection was closed; the next open maps whatever is there). */
  forget(): void { this.ino = undefined; this.size = 0; }

  /** Whether the connection may touch its mapping now. */
  check(): ShmState {
    const s = stat(this.path);
    const name = this.path.split('/').pop();
    if (!s) return this.ino === undefined ? { kind: 'ok' } : { kind: 'replaced', problem: `${name} vanished under the open database` };
    if (this.ino !== undefined && s.ino !== this.ino) return { kind: 'replaced', problem: `${name} was replaced under the open database` };
    if (this.ino !== undefined && s.size < this.size) return { kind: 'shrunk', problem: `${name} was truncated (${s.size} of ${this.size} bytes)`, size: this.size };
    try { accessSync(this.path, constants.W_OK); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      return { kind: 'unwritable', problem: `${name} is not writable (${code}${code === 'EPERM' ? ': immutable? lsattr, chattr -i' : ''})` };
    }
    return { kind: 'ok' };
  }
}

function stat(path: string): Stats | undefined {
  try { return statSync(path); } catch { return undefined; }
}
