// One run of a backend's restore tool (`ipset restore`, `nft -f`), fed in chunks while the
// Loadfiles are read; everything it is given also goes to the Flushload (0600: attackers' addresses).
import { closeSync, constants, createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { resolveProgram, run, spawnChannel } from '../core/runner.js';
import { WatcherError, EX_DATAERR, EX_UNAVAILABLE } from '../core/exit.js';
import { openFileMode, PRIVATE_MODE } from '../core/files.js';

const CHUNK = 32 * 1024;
/**
 * Bytes handed to the tool's input and not yet taken by the kernel's pipe. Reading waits above
 * HIGH until LOW is left, so the tool always has a backlog while the next lines are made (a
 * pipe holds 64 KiB, a few milliseconds of the tool's parsing: waiting for an empty queue
 * left it idle once per chunk).
 */
const HIGH = 4 * 1024 * 1024;
const LOW = 1024 * 1024;
/**
 * Bytes handed to the input stream at a time. A stream writes all it has buffered as one
 * request and tells each chunk written only when that request is done: handed the whole
 * backlog, the queue would seem full until the pipe had taken all of it, and the tool would
 * run dry before the next lines were made.
 */
const IN_FLIGHT = 256 * 1024;

/** How often a tool reading a FIFO is let through its error report (see end()). */
const POKE_MS = 20;

/**
 * The tool reads its input from its stdin, or, given `pipe`, from a FIFO at that path (0600,
 * removed when the tool ends): nft 1.0.6 reads `-f -` whole before parsing, a FIFO as it comes.
 * The FIFO's read end stays open here until the tool ends, so a write never meets a FIFO that
 * the tool has not opened yet, and a tool that died fails the writes instead of blocking them.
 *
 * nft applies its transaction at the end of its input, and the end of the input is only this
 * process closing its end (of the FIFO, or of stdin where no FIFO could be made). So it runs
 * under `setpriv --pdeathsig KILL`:
 * when this process dies in the middle of a load (SIGKILL, the OOM killer), the tool is killed
 * with it instead of applying the part it read, or waiting for ever on the FIFO (below).
 */
export class RestoreFeed {
  private proc!: ReturnType<typeof spawnChannel>;
  private input!: Writable;
  private readonly started: Promise<void>;
  private ready = false;
  private readonly file: WriteStream;
  private readonly stderr: string[] = [];
  private buf = '';
  private fileError: Error | undefined;
  private queued = 0;
  /** Chunks not yet handed to the input stream, and the bytes it has not written yet. */
  private readonly waiting: Buffer[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;
  /** Nothing is handed to the tool until this settles (see hold()). */
  private gate: Promise<unknown> | undefined;
  /** The FIFO the tool reads, when one could be made. */
  private pipe: string | undefined;
  /** The tool applies its input at its end (given a FIFO path: nft): it dies with this process. */
  private readonly tied: boolean;

  /** Start `program args` (then the input's path when `pipe` is given); `pkg` is the Debian package named when it is missing. */
  constructor(private readonly program: string, args: string[], readonly flushload: string, private readonly pkg: string, pipe?: string) {
    // The last Flushload is removed in the background: truncated in place, a file of megabytes
    // would hold this process for milliseconds while the kernel frees its blocks.
    const last = join(dirname(flushload), `.${basename(flushload)}.old`);
    try { renameSync(flushload, last); rm(last, { force: true }).catch(() => undefined); } catch { /* there is none */ }
    this.file = createWriteStream(flushload, { fd: openFileMode(flushload, 'w', PRIVATE_MODE) });
    this.file.on('error', (e) => { this.fileError = e; });
    this.tied = pipe !== undefined;
    if (pipe === undefined) { this.begin(args); this.started = Promise.resolve(); }
    else this.started = this.openPipe(args, pipe);
  }

  // Make the FIFO and open both its ends (neither open waits), then start the tool on its path; without a FIFO, on stdin.
  private async openPipe(args: string[], pipe: string): Promise<void> {
    rmSync(pipe, { force: true });
    const made = await run('mkfifo', ['-m', '600', pipe], { allowFail: true }).catch(() => undefined);
    if (made?.exitCode !== 0) { this.begin([...args, '-']); return; }
    let reader: number | undefined;
    let input: Socket;
    try {
      reader = openSync(pipe, constants.O_RDONLY | constants.O_NONBLOCK);
      input = new Socket({ fd: openSync(pipe, constants.O_WRONLY), readable: false, writable: true });
    } catch {
      if (reader !== undefined) closeSync(reader);
      rmSync(pipe, { force: true });
      this.begin([...args, '-']);
      return;
    }
    this.pipe = pipe;
    this.begin([...args, pipe], input);
    void this.proc.finally(() => { closeSync(reader); rmSync(pipe, { force: true }); });
  }

  private begin(args: string[], input?: Writable): void {
    // The tool's own path first: a missing one is named, not setpriv.
    this.proc = this.tied ? spawnChannel('setpriv', ['--pdeathsig', 'KILL', '--', resolveProgram(this.program), ...args]) : spawnChannel(this.program, args);
    this.proc.stdin.on('error', () => undefined);
    if (input) { input.on('error', () => undefined); this.proc.stdin.end(); }
    this.input = input ?? this.proc.stdin;
    this.proc.stdout.resume();
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s: string) => { if (this.stderr.length < 200) this.stderr.push(s); });
    this.ready = true;
  }

  /** Queue whole lines; they are written out once a chunk is full. */
  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= CHUNK) this.push();
  }

  private push(): void {
    if (!this.buf || !this.ready) return;
    // Encoded once for both: the tool and the Flushload.
    const chunk = Buffer.from(this.buf);
    this.queued += chunk.length;
    this.waiting.push(chunk);
    this.file.write(chunk);
    this.buf = '';
    this.send();
  }

  /**
   * Give the tool nothing more (what is written from now on waits, in order) until `until`
   * settles: the lines that follow need something made beside the tool first (a set ipset
   * adds to). drain() waits for it too, so the reading pauses meanwhile.
   */
  hold(until: Promise<unknown>): void {
    const gate = until.then(() => undefined, () => undefined);
    this.gate = gate;
    void gate.then(() => {
      if (this.gate !== gate) return;
      this.gate = undefined;
      this.send();
    });
  }

  // Hand the input stream what waits, IN_FLIGHT bytes at most (nothing while held).
  private send(): void {
    while (!this.gate && this.inFlight < IN_FLIGHT && this.waiting.length) {
      const chunk = this.waiting.shift()!;
      this.inFlight += chunk.length;
      this.input.write(chunk, () => {
        this.inFlight -= chunk.length;
        this.queued -= chunk.length;
        this.send();
        if (this.queued <= LOW && this.wake) { this.wake(); this.wake = undefined; }
      });
    }
  }

  /** Write what is queued; resolves when the tool's backlog is short enough for more. */
  async drain(): Promise<void> {
    await this.started;
    this.push();
    if (this.gate) await this.gate;
    if (this.queued > HIGH && !this.input.destroyed) await Promise.race([new Promise<void>((r) => { this.wake = r; }), this.proc]);
    // A turn of the event loop: the pipe is written to only there.
    else if (this.queued > 0) await new Promise<void>((r) => setImmediate(r));
  }

  /**
   * End the input and wait for the tool: its exit code (0: done) and what it said. A missing
   * program is EX_UNAVAILABLE; a refused run whose Flushload could not be written cannot be
   * run again without a line (EX_DATAERR). `written` is called once the input is ended.
   */
  async end(written?: () => void): Promise<{ exitCode: number; stderr: string }> {
    await this.started;
    this.push();
    while (this.gate) await this.gate;
    for (const chunk of this.waiting.splice(0)) this.input.write(chunk);
    this.input.end();
    this.file.end();
    written?.();
    // nft prints a refused line of a file by opening the file again: on a FIFO with no writer
    // that open waits for one for ever. A writer opened and closed at once lets it through (it
    // reads an empty line and goes on); while the tool still reads or works, this changes nothing.
    const poke = this.pipe === undefined ? undefined : setInterval(() => {
      try { closeSync(openSync(this.pipe!, constants.O_WRONLY | constants.O_NONBLOCK)); } catch { /* the tool has ended */ }
    }, POKE_MS);
    const r = await this.proc.finally(() => clearInterval(poke));
    await finished(this.file).catch(() => undefined);
    if ((r as { code?: string }).code === 'ENOENT') {
      const [program, pkg] = this.tied ? ['setpriv', 'util-linux'] : [this.program, this.pkg];
      throw new WatcherError(`${program}: program not found (install ${pkg}, or run master/Prep)`, EX_UNAVAILABLE);
    }
    const exitCode = r.exitCode ?? -1;
    if (exitCode !== 0 && this.fileError) throw new WatcherError(`${this.program} refused the load (exit ${r.exitCode ?? r.signal}) and ${this.flushload} could not be written: ${this.fileError.message}`, EX_DATAERR);
    return { exitCode, stderr: this.stderr.join('') };
  }

  /** Stop the tool before it applied anything. */
  async kill(): Promise<void> {
    this.buf = '';
    this.waiting.length = 0;
    await this.started;
    this.proc.kill('SIGTERM');
    this.file.end();
    await this.proc;
    // Only now: the end of its input would have let the tool apply what it had.
    this.input.destroy();
  }
}
