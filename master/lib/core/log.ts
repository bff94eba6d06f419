// Log and trace writers: lines shaped `2023-04-30T11:27:07.444 WatchLG[5123]: [inject] ...`.
import { closeSync, writeSync } from 'node:fs';
import { formatStamp, systemClock, type Clock } from './clock.js';
import { openFileMode, PRIVATE_MODE } from './files.js';

/** Verbosity from the seeds' first argument: 0 normal, 1 `debug`, 2 `debug2`. */
let verbosity = 0;
export function setVerbosity(level: number): void { verbosity = level; }
export function getVerbosity(): number { return verbosity; }

/** Print a debug line to stderr when the program was started with `debug` (level 1) or `debug2`. */
export function debug(level: number, message: string): void {
  if (verbosity >= level) process.stderr.write(`+ ${message}\n`);
}

/** Open a file for appending, 0600 (it holds attacker data) new or not, whatever the umask. */
export function openPrivate(path: string): number {
  return openFileMode(path, 'a', PRIVATE_MODE);
}

/**
 * A line writer for a log or trace file. Lines are buffered and written when the buffer
 * is large, on the next tick, or on flush(); the file is opened on first use.
 */
export class LineWriter {
  private fd = -1;
  private buf: string[] = [];
  private size = 0;
  private scheduled = false;

  constructor(readonly path: string, readonly ident: string, private readonly clock: Clock = systemClock, private readonly pid = process.pid) {}

  /** Write one line with the time stamp and ident prefix. */
  write(message: string): void {
    const line = `${formatStamp(this.clock.now())} ${this.ident}[${this.pid}]: ${message}\n`;
    if (verbosity >= 2) process.stderr.write(line);
    this.buf.push(line);
    this.size += line.length;
    if (this.size >= 65536) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => { this.scheduled = false; this.flush(); }).unref();
    }
  }

  /** Write out what is buffered. */
  flush(): void {
    if (this.buf.length === 0) return;
    if (this.fd < 0) this.fd = openPrivate(this.path);
    const data = this.buf.join('');
    this.buf = [];
    this.size = 0;
    writeSync(this.fd, data);
  }

  /** Flush and close; reopened on the next write (log rotation). */
  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** After logrotate moved the file: the next line goes to a new file at the path (SIGHUP). */
  reopen(): void { this.close(); }
}

/** A trace that writes only when TRACE is non-empty, as the seeds define it. */
export class Trace {
  private readonly writer: LineWriter | undefined;
  constructor(path: string, ident: string, setting: string, clock?: Clock) {
    this.writer = setting !== '' ? new LineWriter(path, ident, clock) : undefined;
  }
  get on(): boolean { return this.writer !== undefined; }
  write(message: string): void { this.writer?.write(message); }
  flush(): void { this.writer?.flush(); }
  close(): void { this.writer?.close(); }
  reopen(): void { this.writer?.reopen(); }
}
