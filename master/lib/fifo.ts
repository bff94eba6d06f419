// The module FIFO ($FIFO_BASE/<name>): created 0600, read so that writers may come and go,
// recreated when someone deletes it under the running module.
//
// Invariants: the FIFO is opened read-write (O_RDWR), so the module itself holds a writer and
// never sees end-of-file when the system logger closes or restarts. Reading is event-driven
// (a libuv pipe), no thread blocks. A check each second (checkFifo) notices a deleted or
// replaced FIFO, makes a new one and reads from it.
import { constants, chmodSync, closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Socket } from 'node:net';
import { run } from './runner.js';
import { WatcherError, EX_CONFIG } from './exit.js';

/** Make sure `path` is a FIFO of mode 0600 (mkfifo where missing) in a directory of mode 0700. */
export async function ensureFifo(path: string): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  let st;
  try { st = statSync(path); } catch { st = undefined; }
  if (st && !st.isFIFO()) throw new WatcherError(`${path} exists and is not a FIFO`, EX_CONFIG);
  if (!st) await run('mkfifo', ['-m', '0600', path]);
  else if ((st.mode & 0o777) !== 0o600) chmodSync(path, 0o600);
}

/** A running FIFO reader; chunks go to onData in arrival order. */
export class FifoReader {
  private sock?: Socket;
  private ino = -1;
  private checking = false;

  constructor(readonly path: string, private readonly onData: (chunk: Buffer) => void, private readonly onEvent: (msg: string) => void) {}

  /** Create (if needed) and open the FIFO. */
  async open(): Promise<void> {
    await ensureFifo(this.path);
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    this.ino = statSync(this.path).ino;
    const sock = new Socket({ fd, readable: true, writable: false });
    sock.on('data', this.onData);
    sock.on('error', (e) => this.onEvent(`read error on ${this.path}: ${e.message}`));
    this.sock = sock;
  }

  /** Stop reading for a while (back-pressure) and go on. */
  pause(): void { this.sock?.pause(); }
  resume(): void { this.sock?.resume(); }

  /** Recreate and reopen the FIFO when it was deleted or replaced; true when it did. */
  async check(): Promise<boolean> {
    if (this.checking) return false;
    let ino = -1;
    try { const st = statSync(this.path); ino = st.isFIFO() ? st.ino : -1; } catch { /* gone */ }
    if (ino === this.ino) return false;
    this.checking = true;
    try {
      this.onEvent(`${this.path} was ${ino < 0 ? 'deleted' : 'replaced'}: recreating it`);
      this.sock?.destroy();
      await this.open();
      return true;
    } finally { this.checking = false; }
  }

  close(): void { this.sock?.destroy(); this.sock = undefined; }
}

/**
 * Writes lines to another module's FIFO (GeoTrack hand-off, passon) without ever blocking:
 * no reader, a missing FIFO or a full pipe drop the line, which is counted.
 */
export class FifoWriter {
  private fd = -1;
  dropped = 0;
  constructor(readonly path: string) {}

  /** Write one line; false when it could not be delivered now. */
  write(line: string): boolean {
    if (this.fd < 0) {
      try {
        if (!statSync(this.path).isFIFO()) { this.dropped++; return false; }
        this.fd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch { this.dropped++; return false; }
    }
    try {
      writeSync(this.fd, `${line}\n`);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN') this.close();
      this.dropped++;
      return false;
    }
  }

  close(): void { if (this.fd >= 0) { try { closeSync(this.fd); } catch { /* closed */ } } this.fd = -1; }
}
