// The companion's FIFO for passon: lossless where the GeoTrack hand-off is best effort.
//
// Invariants: a write never blocks the scanner. Lines the companion has not read yet wait in
// memory, in order, and libuv writes them as the FIFO drains (a pipe handle on the fd). Only
// when no reader has the FIFO open (the companion is down) or more than `limit` bytes wait is
// a line dropped, and counted. A companion restart is picked up at the next line.
import { constants, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';

/** Default bound of lines waiting for the companion: 64 MiB. */
export const PASSON_QUEUE = 64 << 20;

export class PassonWriter {
  private sock?: Socket;
  dropped = 0;

  constructor(readonly path: string, private readonly limit = PASSON_QUEUE) {}

  /** Queue one line for the companion; false when it is dropped (no reader, or the queue is full). */
  write(line: string): boolean {
    if (!this.sock) {
      try {
        if (!statSync(this.path).isFIFO()) { this.dropped++; return false; }
        const fd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
        const sock = new Socket({ fd, readable: false, writable: true });
        sock.on('error', () => { if (this.sock === sock) this.sock = undefined; sock.destroy(); });
        this.sock = sock;
      } catch { this.dropped++; return false; }
    }
    if (this.sock.writableLength > this.limit) { this.dropped++; return false; }
    this.sock.write(`${line}\n`);
    return true;
  }

  /** Bytes waiting for the companion. */
  get waiting(): number { return this.sock?.writableLength ?? 0; }

  /** Write what waits (at most `ms`), then close. */
  async close(ms = 2000): Promise<void> {
    const sock = this.sock;
    this.sock = undefined;
    if (!sock) return;
    await new Promise<void>((res) => {
      const t = setTimeout(() => { sock.destroy(); res(); }, ms);
      sock.end(() => { clearTimeout(t); res(); });
    });
  }
}
