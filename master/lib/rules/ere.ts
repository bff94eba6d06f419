// POSIX extended regular expressions (what bash's `=~` uses) translated to JavaScript RegExp.
//
// Semantics kept: bracket expressions with [:class:], a backslash inside brackets is a plain
// character, `(` never captures, `{` that does not start an interval is literal. GNU's `\<`,
// `\>`, `\w`, `\s`, `\b` are accepted. Backreferences and anything JavaScript-only such as
// lookarounds `(?...)` are refused: they have no POSIX meaning.
//
// The result must run on V8's linear-time engine (linear.ts), which has no lookaround and
// repeats an interval's body at most 16 times: `\<` and `\>` become `\b` where the word
// character beside them makes that exact, and intervals are written out (`x{2,4}` is
// `xx(?:x(?:x)?)?`, the same matches in the same order).
import { compileLinear, NotLinearError } from './linear.js';

/** A pattern that cannot be translated: `at` is the offset in the pattern. */
export class EreError extends Error {
  constructor(readonly pattern: string, readonly at: number, reason: string) {
    super(`${reason} at offset ${at} of ${JSON.stringify(pattern)}`);
  }
}

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~',
  graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f',
};

const SPECIAL = '.[]()*+?{}|^$\\';
const GNU_ESCAPES: Record<string, string> = { '`': '^', "'": '$', w: '\\w', W: '\\W', s: '\\s', S: '\\S', b: '\\b', B: '\\B' };

// Translate one bracket expression starting at p[i] === '['; returns the JS class and the next index.
function translateBracket(p: string, i: number): [string, number] {
  const start = i;
  let out = '[';
  i++;
  if (p[i] === '^') { out += '^'; i++; }
  let first = true;
  for (;;) {
    if (i >= p.length) throw new EreError(p, start, 'unterminated bracket expression [');
    const c = p[i];
    if (c === ']' && !first) return [out + ']', i + 1];
    first = false;
    if (c === '[' && (p[i + 1] === ':' || p[i + 1] === '=' || p[i + 1] === '.')) {
      const kind = p[i + 1];
      const end = p.indexOf(`${kind}]`, i + 2);
      if (end < 0) throw new EreError(p, i, `unterminated [${kind}`);
      const name = p.slice(i + 2, end);
      if (kind === ':') {
        const cls = CLASSES[name];
        if (!cls) throw new EreError(p, i, `unknown character class [:${name}:]`);
        out += cls;
      } else out += escapeInClass(name);
      i = end + 2;
      continue;
    }
    out += c === '-' ? '-' : escapeInClass(c);
    i++;
  }
}

function escapeInClass(s: string): string {
  return s.replace(/[\\\]\[^-]/g, (c) => `\\${c}`);
}

/** Longest translation: an interval written out beyond this is refused. */
const MAX_SOURCE = 32 * 1024;

// Whether a translated bracket expression holds word characters only ([a-z], [[:alnum:]], ...).
function isWordClass(cls: string): boolean {
  return /^\[(?:[0-9]-[0-9]|[a-z]-[a-z]|[A-Z]-[A-Z]|[0-9A-Za-z_])+\]$/.test(cls);
}

// An interval written out: n copies, then the optional rest nested so that it cannot be split two ways.
function writeInterval(atom: string, min: number, max: number | undefined): string {
  const need = atom.repeat(min);
  if (max === undefined) return `${need}${atom}*`;
  let rest = '';
  for (let k = min; k < max; k++) rest = `(?:${atom}${rest})?`;
  return need + rest;
}

/** The JS source of `atom` repeated min to max times (max undefined: unbounded), fit for the linear engine. */
export function repeatSource(atom: string, min: number, max?: number): string {
  return writeInterval(atom.length === 1 || /^\\.$|^\[[^\]]*\]$/.test(atom) ? atom : `(?:${atom})`, min, max);
}

/** Translate a POSIX ERE to the source of an equivalent JavaScript RegExp (no flags needed). */
export function translateEre(p: string): string {
  let out = '';
  let atomStart = true; // a '*' here is literal (nothing to repeat)
  let atomAt = 0; // where the last atom starts in `out`
  let word = false; // the last atom matches word characters only, at least once
  const groups: number[] = [];
  // After a quantifier: a second one has no POSIX meaning; `?` after one is harmless (a match still exists).
  const quantified = (i: number): number => {
    if (p[i] === '*' || p[i] === '+' || (p[i] === '{' && /^\{\d/.test(p.slice(i)))) throw new EreError(p, i, 'repeated quantifier');
    atomStart = false;
    return p[i] === '?' ? i + 1 : i;
  };
  for (let i = 0; i < p.length;) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new EreError(p, i, 'trailing backslash');
      if (/[1-9]/.test(n)) throw new EreError(p, i, `backreference \\${n} is not part of POSIX ERE`);
      if (n === '<' || n === '>') {
        // Exact as \b only beside a word character: \< before one, \> after one.
        if (n === '<' ? !startsWord(p, i + 2) : !word) throw new EreError(p, i, `\\${n} needs a word character ${n === '<' ? 'after' : 'before'} it (a letter, digit, _ or a bracket of them, not optional): write \\b instead`);
        out += '\\b';
      } else {
        atomAt = out.length; word = n === 'w' || (!SPECIAL.includes(n) && !GNU_ESCAPES[n] && /\w/.test(n));
        out += SPECIAL.includes(n) ? `\\${n}` : GNU_ESCAPES[n] ?? escapeLiteral(n);
      }
      i += 2; atomStart = false;
    } else if (c === '[') {
      const [cls, next] = translateBracket(p, i);
      atomAt = out.length; word = isWordClass(cls);
      out += cls; i = next; atomStart = false;
    } else if (c === '(') {
      if (p[i + 1] === '?') throw new EreError(p, i, '(? groups are not part of POSIX ERE');
      groups.push(out.length);
      out += '(?:'; i++; atomStart = true;
    } else if (c === ')') {
      if (groups.length === 0) throw new EreError(p, i, 'unmatched )');
      atomAt = groups.pop()!; word = false;
      out += ')'; i++; atomStart = false;
    } else if (c === '|') {
      out += '|'; i++; atomStart = true; word = false;
    } else if (c === '*' || c === '+' || c === '?') {
      if (atomStart) { atomAt = out.length; word = false; out += `\\${c}`; i++; atomStart = false; continue; }
      out += c;
      if (c !== '+') word = false;
      i = quantified(i + 1);
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m && !atomStart) {
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
        if (max !== undefined && max < min) throw new EreError(p, i, `bad interval ${m[0]}`);
        out = out.slice(0, atomAt) + writeInterval(out.slice(atomAt), min, max);
        if (out.length > MAX_SOURCE) throw new EreError(p, i, `interval ${m[0]} makes the pattern longer than ${MAX_SOURCE} characters`);
        if (min === 0) word = false;
        i = quantified(i + m[0].length);
      } else { atomAt = out.length; word = false; out += '\\{'; i++; atomStart = false; }
    } else if (c === '}') {
      atomAt = out.length; word = false; out += '\\}'; i++; atomStart = false;
    } else if (c === '.') {
      atomAt = out.length; word = false; out += '.'; i++; atomStart = false;
    } else if (c === '^' || c === '$') {
      atomAt = out.length; out += c; i++; atomStart = c === '^'; word = false;
    } else {
      atomAt = out.length; word = /\w/.test(c); out += escapeLiteral(c); i++; atomStart = false;
    }
  }
  if (groups.length !== 0) throw new EreError(p, p.length, 'unmatched (');
  return out;
}

// Whether the ERE atom at p[i] matches word characters only and is not optional (for \<).
function startsWord(p: string, i: number): boolean {
  let end: number;
  if (p[i] === '\\') { if (p[i + 1] !== 'w') return false; end = i + 2; }
  else if (p[i] === '[') { const [cls, next] = translateBracket(p, i); if (!isWordClass(cls)) return false; end = next; }
  else if (p[i] !== undefined && /\w/.test(p[i])) end = i + 1;
  else return false;
  return p[end] !== '*' && p[end] !== '?' && !/^\{0[,}]/.test(p.slice(end));
}

function escapeLiteral(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Compile a POSIX ERE into a RegExp that searches (bash `=~` is unanchored). */
export function compileEre(p: string): RegExp {
  try { return compileLinear(translateEre(p)); }
  catch (e) { throw e instanceof NotLinearError ? new EreError(p, 0, e.message) : e; }
}
