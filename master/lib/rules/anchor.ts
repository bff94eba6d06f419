// Anchored matching: a pattern counts only where its match starts at or before the first
// character of the message (header.ts), and is tried only where a match may start, so text a
// client planted in the message is never even tried and a line's length cannot multiply the
// work of a pattern.
import './linear.js';
import { firstCharTest } from './shape.js';

/** Whether a literal pattern occurs starting at or before `at` (bash's "$Pattern", anchored). */
export function includesAnchored(line: string, pattern: string, at: number): boolean {
  return line.lastIndexOf(pattern, at) >= 0;
}

// What execAnchored needs of a pattern, made once per pattern: the literal text every match
// contains, a sticky twin that matches at one position, and which characters can start a match.
interface Anchoring { lit: string; sticky: RegExp; starts?: (code: number) => boolean }
const anchorings = new WeakMap<RegExp, Anchoring>();

/**
 * The longest run of literal text that every match of a JS regex source must contain ('' when
 * none is certain: top-level alternation, or only classes and groups). Used as a cheap
 * `includes` test before the regex runs, so lines that cannot match never reach the engine.
 */
export function requiredLiteral(source: string): string {
  let best = '';
  let run = '';
  const end = (): void => { if (run.length > best.length) best = run; run = ''; };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '|') return '';
    let lit: string | undefined;
    let len = 1;
    if (c === '\\') {
      if (next !== undefined && /[^A-Za-z0-9]/.test(next)) lit = next;
      len = 2;
    } else if (c === '(' || c === '[') {
      // Skip the group or class whole: what it holds is not certain.
      let depth = 0;
      let j = i;
      for (; j < source.length; j++) {
        const d = source[j];
        if (d === '\\') { j++; continue; }
        if (c === '[') { if (d === ']' && j > i + 1 && !(j === i + 2 && source[i + 1] === '^')) break; continue; }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      len = j - i + 1;
    } else if (!'.^$*+?{}'.includes(c)) lit = c;
    const q = source[i + len];
    i += len - 1;
    if (lit === undefined || q === '*' || q === '?' || q === '{') { end(); continue; }
    run += lit;
    if (q === '+') end();
  }
  end();
  return best;
}

// The anchoring of a regex, made at its first use.
function anchoringOf(regex: RegExp): Anchoring {
  let a = anchorings.get(regex);
  if (a === undefined) {
    a = { lit: regex.flags.includes('i') ? '' : requiredLiteral(regex.source), sticky: new RegExp(regex.source, `${regex.flags}y`), starts: firstCharTest(regex.source) };
    anchorings.set(regex, a);
  }
  return a;
}

/**
 * Lines up to this length are searched in one exec, the fastest way: whatever the pattern, its
 * work is bounded by this length. A longer line is tried only where a match may start.
 */
const SEARCH_WHOLE = 512;

/**
 * The leftmost match of a regex when it starts at or before `at`, else null. On a long line the
 * regex is tried only at those positions (where a character that can start it stands), never
 * further in the message: a line's length cannot multiply the work of a pattern that scans to
 * its end, and text planted in the message is never even tried.
 */
export function execAnchored(regex: RegExp, line: string, at: number): RegExpExecArray | null {
  const a = anchoringOf(regex);
  if (a.lit !== '' && !line.includes(a.lit)) return null;
  if (line.length <= SEARCH_WHOLE) {
    regex.lastIndex = 0;
    const m = regex.exec(line);
    return m !== null && m.index <= at ? m : null;
  }
  return tryStarts(a, line, at);
}

/** execAnchored of a long line, whatever its length: the regex tried at each position up to `at` where a match may start. */
export function execAtStarts(regex: RegExp, line: string, at: number): RegExpExecArray | null {
  return tryStarts(anchoringOf(regex), line, at);
}

function tryStarts(a: Anchoring, line: string, at: number): RegExpExecArray | null {
  const last = Math.min(at, line.length);
  for (let s = 0; s <= last; s++) {
    if (a.starts !== undefined && !a.starts(line.charCodeAt(s))) continue;
    a.sticky.lastIndex = s;
    const m = a.sticky.exec(line);
    if (m !== null) return m;
  }
  return null;
}
