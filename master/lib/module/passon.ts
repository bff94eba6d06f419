// The companion's FIFO for passon (WatchMX -> WatchMB): lossless across the companion's start,
// restart and stop, where the GeoTrack hand-off is best effort.
//
// Invariants:
// - The FIFO is made where missing and held open read-write (O_RDWR, as rsyslog's ompipe
//   does) for the writer's whole life: the kernel keeps the pipe and what is in it while no
//   companion reads (not started yet, killed, restarting), and the next reader gets it all.
//   Only what a killed companion had already read and not yet counted is gone with it.
// - A write never blocks the scanner. What the kernel pipe cannot take waits in memory, in
//   order, and libuv writes it as the companion drains the FIFO (a pipe handle on the fd).
// - Beyond `limit` bytes waiting, a line is dropped and counted in `lost` (the module reports
//   it in its status file as passonLost and in its log); nothing is dropped otherwise.
import { constants, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { ensureFifo } from './fifo.js';

/** Default bound of lines waiting for the companion: 64 MiB. */
export const PASSON_QUEUE = 64 << 20;

export class PassonWriter {
  private sock?: Socket;
  /** Lines dropped because more than `limit` bytes waited. */
  lost = 0;
  /** Why the last open failed (reported by the module's log). */
  problem?: string;

  constructor(readonly path: string, private readonly limit = PASSON_QUEUE) {}

  /** Make the companion's FIFO where missing and hold it open; the companion need not run. */
  async open(): Promise<void> {
    try {
      await ensureFifo(this.path);
      this.connect();
    } catch (e) { this.problem = (e as Error).message; }
  }

  /** Queue one line for the companion; false when it is dropped (the queue is full, or no FIFO). */
  write(line: string): boolean {
    if (!this.sock) this.connect();
    if (!this.sock || this.sock.writableLength > this.limit) { this.lost++; return false; }
    this.sock.write(`${line}\n`);
    return true;
  }

  /** Bytes waiting in memory for the companion (not yet in the kernel pipe). */
  get waiting(): number { return this.sock?.writableLength ?? 0; }

  /** Hand everything waiting to the kernel pipe (at most `ms`), then close. */
  async close(ms = 5000): Promise<void> {
    const sock = this.sock;
    this.sock = undefined;
    if (!sock) return;
    const deadline = Date.now() + ms;
    while (sock.writableLength > 0 && !sock.destroyed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (sock.writableLength > 0) { this.lost += countLines(sock); this.problem = `${sock.writableLength} bytes not handed over within ${ms} ms`; }
    sock.destroy();
  }

  private connect(): void {
    try {
      if (!statSync(this.path).isFIFO()) { this.problem = `${this.path} is not a FIFO`; return; }
      const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
      const sock = new Socket({ fd, readable: false, writable: true });
      sock.on('error', (e) => { this.problem = `${this.path}: ${e.message}`; if (this.sock === sock) this.sock = undefined; sock.destroy(); });
      this.sock = sock;
      this.problem = undefined;
    } catch (e) { this.problem = (e as Error).message; }
  }
}

/** Lines still queued in a socket (counted as lost when it is given up). */
function countLines(sock: Socket): number {
  let n = 0;
  for (const b of (sock as unknown as { writableBuffer?: { chunk: unknown }[] }).writableBuffer ?? []) {
    n += String(b.chunk).split('\n').length - 1;
  }
  return n;
}
