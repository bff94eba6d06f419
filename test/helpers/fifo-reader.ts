// A test reader on a module FIFO: collects the lines the system logger writes into it.
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';

/** Reads a FIFO like a module does (read-write, so writers may come and go without end-of-file). */
export class FifoReader {
  readonly lines: string[] = [];
  private rest = '';
  private readonly sock: Socket;
  private waiters: (() => void)[] = [];

  constructor(readonly path: string) {
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    this.sock = new Socket({ fd, readable: true, writable: false });
    this.sock.setEncoding('utf8');
    this.sock.on('data', (chunk: string) => {
      const parts = (this.rest + chunk).split('\n');
      this.rest = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const w of this.waiters) w();
    });
  }

  /** Wait until the condition holds on the lines read so far; throws with what was read after timeoutMs. */
  async waitFor(cond: (lines: string[]) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<string[]> {
    const t0 = Date.now();
    while (!cond(this.lines)) {
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`${this.path}: ${what} not met after ${timeoutMs} ms; ${this.lines.length} lines read, last: ${JSON.stringify(this.lines.slice(-3))}`);
      }
      await new Promise<void>((r) => { const t = setTimeout(r, 100); this.waiters.push(() => { clearTimeout(t); r(); }); });
      this.waiters = [];
    }
    return this.lines;
  }

  /** Wait for at least n lines. */
  waitForCount(n: number, timeoutMs?: number): Promise<string[]> {
    return this.waitFor((l) => l.length >= n, timeoutMs, `${n} lines`);
  }

  close(): void { this.sock.destroy(); }
}
