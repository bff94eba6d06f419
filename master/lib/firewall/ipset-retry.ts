// A Flushload line ipset refused, traced back to its list or Loadfile, and the restore run again without it.
import { readFileSync } from 'node:fs';
import { writeFileMode, PRIVATE_MODE } from '../core/files.js';
import { run } from '../core/runner.js';
import { WatcherError, EX_DATAERR } from '../core/exit.js';
import { logicalName } from './ipset-names.js';
import type { KeptSet, LineRefusal } from './types.js';

/** How often a refused load is run again before it is given up (each run reads the whole Flushload). */
export const MAX_RERUNS = 10;

/**
 * The source file and line of every entry line of the Flushload, in two typed arrays (six bytes
 * a line: a million entries cost 6 MB). Files are numbered as they come; line 0 is no line.
 */
export class FlushloadOrigins {
  private readonly files: string[] = [''];
  private readonly ids = new Map<string, number>();
  private fileOf = new Uint16Array(1 << 12);
  private lineOf = new Uint32Array(1 << 12);
  private last = '';
  private lastId = 0;
  /** Lines of the Flushload so far. */
  count = 0;

  /** `n` more lines were written; the last of them came from file:line when given. */
  note(n: number, file?: string, line?: number): void {
    this.count += n;
    if (file === undefined || line === undefined) return;
    this.room(this.count);
    this.fileOf[this.count] = this.idOf(file);
    this.lineOf[this.count] = line;
  }

  /** `n` more lines were written, from file:first, file:first+1 and so on. */
  run(n: number, file: string, first: number): void {
    const id = this.idOf(file);
    this.room(this.count + n);
    this.fileOf.fill(id, this.count + 1, this.count + n + 1);
    for (let i = 1; i <= n; i++) this.lineOf[this.count + i] = first + i - 1;
    this.count += n;
  }

  // The number of a file (0 when there are too many to keep).
  private idOf(file: string): number {
    if (file !== this.last) {
      let id = this.ids.get(file);
      if (id === undefined && this.files.length < 0xffff) this.ids.set(file, (id = this.files.push(file) - 1));
      this.last = file;
      this.lastId = id ?? 0;
    }
    return this.lastId;
  }

  // Room for line `n`.
  private room(n: number): void {
    if (n < this.fileOf.length) return;
    let size = this.fileOf.length * 2;
    while (size <= n) size *= 2;
    const f = new Uint16Array(size); f.set(this.fileOf); this.fileOf = f;
    const l = new Uint32Array(size); l.set(this.lineOf); this.lineOf = l;
  }

  /** Where Flushload line `n` (1-based) came from, if it was an entry with a known source. */
  at(n: number): { file: string; line: number } | undefined {
    const id = n < this.fileOf.length ? this.fileOf[n] : 0;
    return id ? { file: this.files[id], line: this.lineOf[n] } : undefined;
  }
}

/** ipset restore's own words for the line it stopped at: `Error in line N: reason`. */
export function restoreError(stderr: string): { line: number; reason: string } | undefined {
  const m = /Error in line (\d+): (.*)/.exec(stderr);
  return m ? { line: Number(m[1]), reason: m[2].trim() } : undefined;
}

/**
 * After ipset refused a line of the Flushload, run the restore again without it, as often as
 * needed: a refused entry line is commented out and reported with its source; any other line
 * of a set being rebuilt (its copy's create, flush, swap, destroy) takes out every line of that
 * set, which keeps what it had. A refusal of another line, a failure without a line number, or
 * more than MAX_RERUNS refusals gives the load up (WatcherError, EX_DATAERR). Each run starts
 * over: the copies are flushed again and adds to custody and tarpit are idempotent (-exist).
 */
export async function rerunWithout(flushload: string, stderr: string, origins: FlushloadOrigins, rebuilt: ReadonlySet<string>): Promise<{ refused: LineRefusal[]; kept: KeptSet[] }> {
  const lines = readFileSync(flushload, 'utf8').split('\n');
  const refused: LineRefusal[] = [];
  const kept: KeptSet[] = [];
  for (let runs = 0; ; runs++) {
    const err = restoreError(stderr);
    if (!err) throw givenUp(stderr.trim().replace(/^ipset v[\d.]+: /gm, '') || 'no reason given', 'no line named');
    const text = lines[err.line - 1] ?? '';
    const words = text.split(' ');
    const from = origins.at(err.line);
    const where = `${flushload}:${err.line}: ${JSON.stringify(text.slice(0, 160))}${from ? `, from ${from.file}:${from.line}` : ''}`;
    const set = words[1]?.endsWith('-new') ? logicalName(words[1]) : undefined;
    if (runs >= MAX_RERUNS) throw givenUp(`${err.reason} (${where})`, `${MAX_RERUNS} lines refused already`);
    if (words[0] === 'add') {
      refused.push({ ...(from ?? { file: flushload, line: err.line }), reason: `refused by ipset: ${err.reason}` });
      lines[err.line - 1] = `# ${text}`;
    } else if (set !== undefined && rebuilt.has(set)) {
      kept.push({ set, reason: `${err.reason} (${where})` });
      const copies = new Set([`${set}-new`, `${set}-v6-new`]);
      for (let i = 0; i < lines.length; i++) if (copies.has(lines[i].split(' ', 2)[1])) lines[i] = `# ${lines[i]}`;
    } else throw givenUp(`${err.reason} (${where})`, 'not a line Watcher can leave out');
    writeFileMode(flushload, lines.join('\n'), PRIVATE_MODE);
    const r = await run('ipset', ['-exist', 'restore', '-file', flushload], { allowFail: true });
    if (r.exitCode === 0) return { refused, kept };
    stderr = r.stderr;
  }
}

// The error of a load given up: what ipset said, why it was not run again.
function givenUp(what: string, why: string): WatcherError {
  return new WatcherError(`ipset refused the load: ${what}; ${why}; the sets not swapped in keep what they had`, EX_DATAERR);
}
