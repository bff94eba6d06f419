// A Flushload line nft refused, traced back to its Loadfile, and the transaction run again without it.
import { readFileSync } from 'node:fs';
import { writeFileMode, PRIVATE_MODE } from '../core/files.js';
import { run } from '../core/runner.js';
import { WatcherError, EX_DATAERR } from '../core/exit.js';
import { MAX_RERUNS, type FlushloadOrigins } from './ipset-retry.js';
import type { KeptSet, LineRefusal } from './types.js';

/** nft's own words for the lines it refused: `FILE:LINE:COLS: Error: reason`, each once. */
export function nftErrors(stderr: string): { line: number; reason: string }[] {
  const out = new Map<number, string>();
  for (const m of stderr.matchAll(/:(\d+):\d+(?:-\d+)?: Error: (.*)/g)) if (!out.has(Number(m[1]))) out.set(Number(m[1]), m[2].trim());
  return [...out].map(([line, reason]) => ({ line, reason }));
}

// The head of a block of elements: `add element ... {`, or `define wN = {` (a fixed set's, see nft-loader.ts).
const isHead = (l: string): boolean => (l.startsWith('add element ') || l.startsWith('define ')) && l.endsWith('{');

// Comment out blocks whose every element is commented out (nft refuses an empty one), and a
// define's uses with it (the `add element` left with none is commented out too).
function dropEmptyBlocks(lines: string[]): void {
  const gone = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    if (!isHead(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '}') j++;
    if (lines.slice(i + 1, j).every((l) => l.startsWith('#'))) {
      if (lines[i].startsWith('define ')) gone.add(`$${lines[i].split(' ')[1]}`);
      lines[i] = `# ${lines[i]}`;
      if (j < lines.length) lines[j] = `# }`;
    }
  }
  if (gone.size === 0) return;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(add element \S+ \S+ \S+ \{ )(\$.*)( \})$/.exec(lines[i]);
    if (!m) continue;
    const left = m[2].split(', ').filter((d) => !gone.has(d));
    lines[i] = left.length ? `${m[1]}${left.join(', ')}${m[3]}` : `# ${lines[i]}`;
  }
}

// Comment out a line of a set and, for the head of a block, the block with it.
function commentOut(lines: string[], i: number): void {
  const block = isHead(lines[i]);
  if (!lines[i].startsWith('#')) lines[i] = `# ${lines[i]}`;
  if (!block) return;
  for (let j = i + 1; j < lines.length && lines[j - 1] !== '}' && lines[j - 1] !== '# }'; j++) if (!lines[j].startsWith('#')) lines[j] = `# ${lines[j]}`;
}

/**
 * After nft refused the transaction (which changed nothing), run it again without the lines it
 * named, as often as needed: a refused element is commented out and reported with its source;
 * any other line of a set (its add set, flush, block) takes out every line of that set, which
 * keeps what it had. A refusal without a line, of a line of no set, or more than MAX_RERUNS
 * rounds gives the load up (WatcherError, EX_DATAERR): the live sets are as they were.
 */
export async function rerunNftWithout(flushload: string, stderr: string, origins: FlushloadOrigins, owner: ReadonlyMap<number, string>): Promise<{ refused: LineRefusal[]; kept: KeptSet[] }> {
  const lines = readFileSync(flushload, 'utf8').split('\n');
  const refused: LineRefusal[] = [];
  const kept: KeptSet[] = [];
  for (let runs = 0; ; runs++) {
    const errors = nftErrors(stderr);
    if (errors.length === 0) throw givenUp(stderr.trim().split('\n').slice(0, 3).join('; ') || 'no reason given', 'no line named');
    if (runs >= MAX_RERUNS) throw givenUp(errors[0].reason, `${MAX_RERUNS} rounds of refused lines already`);
    for (const err of errors) {
      const text = lines[err.line - 1] ?? '';
      const from = origins.at(err.line);
      const set = owner.get(err.line);
      const where = `${flushload}:${err.line}: ${JSON.stringify(text.slice(0, 160))}${from ? `, from ${from.file}:${from.line}` : ''}`;
      if (from || (!text.startsWith('add ') && !text.startsWith('flush ') && !text.startsWith('delete ') && text.endsWith(','))) {
        refused.push({ ...(from ?? { file: flushload, line: err.line }), reason: `refused by nft: ${err.reason}` });
        lines[err.line - 1] = `# ${text}`;
      } else if (set !== undefined) {
        kept.push({ set, reason: `${err.reason} (${where})` });
        for (const [n, s] of owner) if (s === set) commentOut(lines, n - 1);
      } else throw givenUp(`${err.reason} (${where})`, 'not a line Watcher can leave out');
    }
    dropEmptyBlocks(lines);
    writeFileMode(flushload, lines.join('\n'), PRIVATE_MODE);
    const r = await run('nft', ['-f', flushload], { allowFail: true });
    if (r.exitCode === 0) return { refused, kept };
    stderr = r.stderr;
  }
}

// The error of a load given up: what nft said, why it was not run again.
function givenUp(what: string, why: string): WatcherError {
  return new WatcherError(`nft refused the load: ${what}; ${why}; the transaction changed nothing, the sets keep what they had`, EX_DATAERR);
}
