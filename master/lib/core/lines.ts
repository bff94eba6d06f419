// Byte chunks to log lines: UTF-8 decoding across chunk borders, and a cap on line length.
import { StringDecoder } from 'node:string_decoder';

/** Longest line handled; the system logger's own limit is 8 KiB by default. */
export const MAX_LINE = 64 * 1024;

/**
 * Splits a byte stream into lines. Invalid UTF-8 becomes U+FFFD; a trailing CR is dropped.
 * A line longer than MAX_LINE is discarded whole (counted in `overlong`): cutting it could
 * leave a half address where the peer stood.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private discarding = false;
  overlong = 0;

  /** Feed a chunk; returns the complete lines in it. */
  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const parts = text.split('\n');
    this.partial = parts.pop() as string;
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      let line = parts[i];
      if (this.discarding) { this.discarding = false; continue; }
      if (line.length > MAX_LINE) { this.overlong++; continue; }
      if (line.endsWith('\r')) line = line.slice(0, -1);
      out.push(line);
    }
    if (this.partial.length > MAX_LINE) {
      if (!this.discarding) this.overlong++;
      this.discarding = true;
      this.partial = '';
    }
    return out;
  }

  /** The last line when the input ends without a newline. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (this.discarding || rest === '') return [];
    if (rest.length > MAX_LINE) { this.overlong++; return []; }
    return [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  }
}
