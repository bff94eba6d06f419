// The module FIFO ($FIFO_BASE/<name>): created 0600, read so that writers may come and go,
// recreated when someone deletes it under the running module.
//
// Invariants: the FIFO is opened read-write (O_RDWR), so the module itself holds a writer and
// never sees end-of-file when the system logger closes or restarts. Reading is event-driven
// (a libuv pipe), no thread blocks. A check each second (checkFifo) notices a deleted or
// replaced FIFO, makes a new one and reads from it, and goes on reading the old one too: a
// writer that holds it open (rsyslog's ompipe never reopens by itself) keeps writing there,
// so dropping it would stall the feed until the logger restarts. The reader forwards whole
// lines only, so lines of two FIFOs never mix (a line longer than MAX_LINE is passed on in
// pieces; the splitter discards it anyway).
import { constants, chmodSync, closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Socket } from 'node:net';
import { run } from '../core/runner.js';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { MAX_LINE } from '../core/lines.js';
import { makeDir, PRIVATE_DIR_MODE } from '../core/files.js';

/** Make sure `path` is a FIFO of mode 0600 (mkfifo where missing) in a directory of mode 0700. */
export async function ensureFifo(path: string): Promise<void> {
  const dir = dirname(path);
  makeDir(dir, PRIVATE_DIR_MODE);
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  let st;
  try { st = statSync(path); } catch { st = undefined; }
  if (st && !st.isFIFO()) throw new WatcherError(`${path} exists and is not a FIFO`, EX_CONFIG);
  if (!st) await run('mkfifo', ['-m', '0600', path]);
  else if ((st.mode & 0o777) !== 0o600) chmodSync(path, 0o600);
}

/** A running FIFO reader; whole lines go to onData in arrival order. */
export class FifoReader {
  private sock?: Socket;
  /** FIFOs deleted or replaced under the reader, still read while some writer may hold them. */
  private readonly orphans: Socket[] = [];
  private ino = -1;
  private checking = false;
  /** Per socket: read synchronously what its FIFO still holds. */
  private readonly drains = new Map<Socket, () => void>();

  constructor(readonly path: string, private readonly onData: (chunk: Buffer) => void, private readonly onEvent: (msg: string) => void) {}

  /** Create (if needed) and open the FIFO. */
  async open(): Promise<void> {
    await ensureFifo(this.path);
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    this.ino = statSync(this.path).ino;
    const sock = new Socket({ fd, readable: true, writable: false });
    let rest: Buffer | undefined;
    const take = (chunk: Buffer): void => {
      const data = rest ? Buffer.concat([rest, chunk]) : chunk;
      const end = data.lastIndexOf(10) + 1;
      const cut = end === 0 && data.length > MAX_LINE ? data.length : end;
      rest = cut < data.length ? Buffer.from(data.subarray(cut)) : undefined;
      if (cut > 0) this.onData(data.subarray(0, cut));
    };
    sock.on('data', take);
    this.drains.set(sock, () => {
      for (let c = sock.read() as Buffer | null; c !== null; c = sock.read() as Buffer | null) take(c);
      drainFd(fd, take);
    });
    sock.on('error', (e) => this.onEvent(`read error on ${this.path}: ${e.message}`));
    this.sock = sock;
  }

  /** Stop reading for a while (back-pressure) and go on. */
  pause(): void { for (const s of this.sockets()) s.pause(); }
  resume(): void { for (const s of this.sockets()) s.resume(); }

  /** Recreate and open the FIFO when it was deleted or replaced (the old one is still read); true when it did. */
  async check(): Promise<boolean> {
    if (this.checking) return false;
    let ino = -1;
    try { const st = statSync(this.path); ino = st.isFIFO() ? st.ino : -1; } catch { /* gone */ }
    if (ino === this.ino) return false;
    this.checking = true;
    try {
      this.onEvent(`${this.path} was ${ino < 0 ? 'deleted' : 'replaced'}: recreating it (the old one is still read for writers that hold it open)`);
      if (this.sock) this.orphans.push(this.sock);
      this.sock = undefined;
      await this.open();
      return true;
    } finally { this.checking = false; }
  }

  /**
   * Stop reading, but first take what the FIFO holds now (a companion told to stop gets the
   * lines its owner handed over before; they would be gone with the last open descriptor).
   */
  close(drain = false): void {
    for (const s of this.sockets()) {
      s.pause();
      if (drain) this.drains.get(s)?.();
      s.destroy();
    }
    this.drains.clear();
    this.sock = undefined;
    this.orphans.length = 0;
  }

  private sockets(): Socket[] { return this.sock ? [this.sock, ...this.orphans] : [...this.orphans]; }
}

/** Read a non-blocking descriptor until it is empty (at most 64 MiB) and hand the chunks on. */
function drainFd(fd: number, take: (chunk: Buffer) => void): void {
  const buf = Buffer.alloc(65536);
  for (let total = 0; total < 64 << 20;) {
    let n: number;
    try { n = readSync(fd, buf, 0, buf.length, null); } catch { return; }
    if (n <= 0) return;
    total += n;
    take(Buffer.from(buf.subarray(0, n)));
  }
}

/**
 * Writes lines to another module's FIFO (GeoTrack hand-off, passon) without ever blocking:
 * no reader, a missing FIFO or a full pipe drop the line, which is counted. `absent` says the
 * last line found no FIFO at all (GeoTrack not enabled), not a FIFO nobody reads or a full one.
 */
export class FifoWriter {
  private fd = -1;
  dropped = 0;
  absent = false;
  constructor(readonly path: string) {}

  /** Write one line; false when it could not be delivered now. */
  write(line: string): boolean {
    this.absent = false;
    if (this.fd < 0) {
      try {
        if (!statSync(this.path).isFIFO()) { this.absent = true; this.dropped++; return false; }
      } catch { this.absent = true; this.dropped++; return false; }
      try { this.fd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK); } catch { this.dropped++; return false; }
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
