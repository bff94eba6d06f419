// Byte chunks to log lines: UTF-8 decoding across chunk borders, and a cap on line length.
import { StringDecoder } from 'node:string_decoder';

/**
 * Longest line handled, in characters: rsyslog's default maxMessageSize (8 KiB); Watcher's
 * rsyslog snippet cuts messages at 3,900 bytes. It bounds what one line can cost the rules.
 */
export const MAX_LINE = 8 * 1024;

/** Stands where a line longer than MAX_LINE was discarded, for a caller that reports each line. */
export const OVERLONG: unique symbol = Symbol('overlong');

/**
 * Splits a byte stream into lines. Invalid UTF-8 becomes U+FFFD; a trailing CR is dropped.
 * A line longer than MAX_LINE is discarded whole (counted in `overlong`): cutting it could
 * leave a half address where the peer stood. push/end leave it out; pushMarked/endMarked put
 * OVERLONG in its place.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private discarding = false;
  overlong = 0;

  /** Feed a chunk; returns the complete lines in it. */
  push(chunk: Buffer): string[] {
    return this.split(this.decoder.write(chunk), false) as string[];
  }

  /** Feed a chunk; returns the complete lines in it, OVERLONG where one was discarded. */
  pushMarked(chunk: Buffer): (string | typeof OVERLONG)[] {
    return this.split(this.decoder.write(chunk), true);
  }

  /** The last line when the input ends without a newline. */
  end(): string[] {
    return this.finish(false) as string[];
  }

  /** The last line when the input ends without a newline, OVERLONG if it was discarded. */
  endMarked(): (string | typeof OVERLONG)[] {
    return this.finish(true);
  }

  private split(decoded: string, mark: boolean): (string | typeof OVERLONG)[] {
    const parts = (this.partial + decoded).split('\n');
    this.partial = parts.pop() as string;
    const out: (string | typeof OVERLONG)[] = [];
    for (let i = 0; i < parts.length; i++) {
      let line = parts[i];
      if (this.discarding) { this.discarding = false; if (mark) out.push(OVERLONG); continue; }
      if (line.length > MAX_LINE) { this.overlong++; if (mark) out.push(OVERLONG); continue; }
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

  private finish(mark: boolean): (string | typeof OVERLONG)[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (this.discarding) { this.discarding = false; return mark ? [OVERLONG] : []; }
    if (rest === '') return [];
    if (rest.length > MAX_LINE) { this.overlong++; return mark ? [OVERLONG] : []; }
    return [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  }
}

/**
 * Text of a log line or an attacker's PTR name made safe for a terminal: control characters
 * (an escape sequence a client planted) shown as \xNN, tabs kept.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
