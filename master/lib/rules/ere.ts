// POSIX extended regular expressions (what bash's `=~` uses) translated to JavaScript RegExp.
//
// Semantics kept: bracket expressions with [:class:], a backslash inside brackets is a plain
// character, `(` never captures, `{` that does not start an interval is literal. GNU's `\<`,
// `\>`, `\w`, `\s`, `\b` are accepted. Backreferences and anything JavaScript-only such as
// lookarounds `(?...)` are refused: they have no POSIX meaning.

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
const GNU_ESCAPES: Record<string, string> = { '<': '\\b(?=\\w)', '>': '\\b(?<=\\w)', '`': '^', "'": '$', w: '\\w', W: '\\W', s: '\\s', S: '\\S', b: '\\b', B: '\\B' };

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

/** Translate a POSIX ERE to the source of an equivalent JavaScript RegExp (no flags needed). */
export function translateEre(p: string): string {
  let out = '';
  let atomStart = true; // a '*' here is literal (nothing to repeat)
  let depth = 0;
  for (let i = 0; i < p.length;) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new EreError(p, i, 'trailing backslash');
      if (/[1-9]/.test(n)) throw new EreError(p, i, `backreference \\${n} is not part of POSIX ERE`);
      if (SPECIAL.includes(n)) out += `\\${n}`;
      else if (GNU_ESCAPES[n]) out += GNU_ESCAPES[n];
      else out += escapeLiteral(n);
      i += 2; atomStart = false;
    } else if (c === '[') {
      const [cls, next] = translateBracket(p, i);
      out += cls; i = next; atomStart = false;
    } else if (c === '(') {
      if (p[i + 1] === '?') throw new EreError(p, i, '(? groups are not part of POSIX ERE');
      out += '(?:'; depth++; i++; atomStart = true;
    } else if (c === ')') {
      if (depth === 0) throw new EreError(p, i, 'unmatched )');
      out += ')'; depth--; i++; atomStart = false;
    } else if (c === '|') {
      out += '|'; i++; atomStart = true;
    } else if (c === '*' || c === '+' || c === '?') {
      if (atomStart) { out += `\\${c}`; i++; atomStart = false; continue; }
      out += c; i++;
      // A second quantifier has no POSIX meaning; `?` after one is harmless (a match still exists).
      if (p[i] === '*' || p[i] === '+') throw new EreError(p, i, 'repeated quantifier');
      if (p[i] === '?') i++;
      atomStart = false;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m && !atomStart) {
        if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) throw new EreError(p, i, `bad interval ${m[0]}`);
        out += m[0]; i += m[0].length;
      } else { out += '\\{'; i++; }
      atomStart = false;
    } else if (c === '}') {
      out += '\\}'; i++; atomStart = false;
    } else if (c === '.') {
      out += '.'; i++; atomStart = false;
    } else if (c === '^' || c === '$') {
      out += c; i++; atomStart = c === '^';
    } else {
      out += escapeLiteral(c); i++; atomStart = false;
    }
  }
  if (depth !== 0) throw new EreError(p, p.length, 'unmatched (');
  return out;
}

function escapeLiteral(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Compile a POSIX ERE into a RegExp that searches (bash `=~` is unanchored). */
export function compileEre(p: string): RegExp {
  return new RegExp(translateEre(p));
}
