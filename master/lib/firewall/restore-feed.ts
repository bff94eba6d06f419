// One run of a backend's restore tool (`ipset restore`, `nft -f -`), fed in chunks while the
// Loadfiles are read; everything it is given also goes to the Flushload (0600: attackers' addresses).
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { spawnChannel } from '../core/runner.js';
import { WatcherError, EX_DATAERR, EX_UNAVAILABLE } from '../core/exit.js';
import { openFileMode, PRIVATE_MODE } from '../core/files.js';

const CHUNK = 256 * 1024;

export class RestoreFeed {
  private readonly proc: ReturnType<typeof spawnChannel>;
  private readonly file: WriteStream;
  private readonly stderr: string[] = [];
  private buf = '';
  private fileError: Error | undefined;

  /** Start `program args`; `pkg` is the Debian package named when it is missing. */
  constructor(private readonly program: string, args: string[], readonly flushload: string, private readonly pkg: string) {
    this.proc = spawnChannel(program, args);
    this.file = createWriteStream(flushload, { fd: openFileMode(flushload, 'w', PRIVATE_MODE) });
    this.file.on('error', (e) => { this.fileError = e; });
    this.proc.stdin.on('error', () => undefined);
    this.proc.stdout.resume();
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s: string) => { if (this.stderr.length < 200) this.stderr.push(s); });
  }

  /** Queue whole lines; they are written out once a chunk is full. */
  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= CHUNK) this.push();
  }

  private push(): void {
    if (!this.buf) return;
    this.proc.stdin.write(this.buf);
    this.file.write(this.buf);
    this.buf = '';
  }

  /** Write what is queued; resolves when the tool is ready for more. */
  async drain(): Promise<void> {
    this.push();
    if (this.proc.stdin.writableNeedDrain && !this.proc.stdin.destroyed) await Promise.race([once(this.proc.stdin, 'drain'), this.proc]);
  }

  /**
   * End the input and wait for the tool: its exit code (0: done) and what it said. A missing
   * program is EX_UNAVAILABLE; a refused run whose Flushload could not be written cannot be
   * run again without a line (EX_DATAERR).
   */
  async end(): Promise<{ exitCode: number; stderr: string }> {
    this.push();
    this.proc.stdin.end();
    this.file.end();
    const r = await this.proc;
    await finished(this.file).catch(() => undefined);
    if ((r as { code?: string }).code === 'ENOENT') throw new WatcherError(`${this.program}: program not found (install ${this.pkg}, or run master/Prep)`, EX_UNAVAILABLE);
    const exitCode = r.exitCode ?? -1;
    if (exitCode !== 0 && this.fileError) throw new WatcherError(`${this.program} refused the load (exit ${r.exitCode ?? r.signal}) and ${this.flushload} could not be written: ${this.fileError.message}`, EX_DATAERR);
    return { exitCode, stderr: this.stderr.join('') };
  }

  /** Stop the tool before it applied anything. */
  async kill(): Promise<void> {
    this.buf = '';
    this.proc.kill('SIGTERM');
    this.file.end();
    await this.proc;
  }
}
