// Reader for KEY=VALUE files in bash assignment syntax. The file is parsed, never executed.
import { ConfError } from './exit.js';

export interface Assignment {
  key: string;
  value: string;
  line: number;
  /** The value as written, for error messages. */
  raw: string;
}

/** Look up a variable for $VAR expansion; undefined means unknown. */
export type Lookup = (name: string) => string | undefined;

/** A line that sets nothing usable: the error, and the key it meant to set ('' when none can be told). */
export type OnBadLine = (err: ConfError, key: string) => void;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Parse the assignments of a bash-style configuration file.
 * Supported: `KEY=value`, `export KEY=value`, single and double quotes, backslash escapes,
 * `$VAR` and `${VAR}` expansion, `#` comments. Refused: command substitution, arrays,
 * anything that bash would run as a command. A refused line throws its ConfError, or, given
 * `onBad`, is handed to it and skipped.
 */
export function parseAssignments(text: string, file: string, lookup: Lookup = () => undefined, onBad?: OnBadLine): Assignment[] {
  const out: Assignment[] = [];
  const known = new Map<string, string>();
  const find: Lookup = (name) => known.get(name) ?? lookup(name);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let s = lines[i].replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (s === '' || s.startsWith('#')) continue;
    if (/^export[ \t]+/.test(s)) s = s.replace(/^export[ \t]+/, '');
    const m = NAME.exec(s);
    try {
      if (!m || s[m[0].length] !== '=') {
        const word = s.split(/[ \t=]/)[0];
        throw new ConfError(file, lineNo, '', '', `not an assignment: ${JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s)}${word ? ` (a command '${word}' is never run)` : ''}`);
      }
      const key = m[0];
      const { value, raw } = parseValue(s.slice(key.length + 1), file, lineNo, key, find);
      known.set(key, value);
      out.push({ key, value, line: lineNo, raw });
    } catch (e) {
      if (!onBad || !(e instanceof ConfError)) throw e;
      onBad(e, m?.[0] ?? '');
    }
  }
  return out;
}

// Scan one value up to unquoted white space; what follows may only be a comment.
function parseValue(src: string, file: string, line: number, key: string, find: Lookup): { value: string; raw: string } {
  const fail = (reason: string): never => { throw new ConfError(file, line, key, src.trim(), reason); };
  if (src.startsWith('(')) fail('arrays are not supported');
  let value = '';
  let i = 0;
  const expand = (quoted: boolean): void => {
    // src[i] === '$'
    const next = src[i + 1];
    if (next === '(') fail('command substitution $(...) is refused');
    if (next === '{') {
      const end = src.indexOf('}', i + 2);
      if (end < 0) fail('unterminated ${...}');
      const name = src.slice(i + 2, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`unsupported expansion \${${name}}`);
      value += resolve(name);
      i = end + 1;
      return;
    }
    const m = NAME.exec(src.slice(i + 1));
    if (!m) { value += '$'; i++; return; }
    value += resolve(m[0]);
    i += 1 + m[0].length;
    void quoted;
  };
  const resolve = (name: string): string => {
    const v = find(name);
    if (v === undefined) fail(`unknown variable $${name}`);
    return v as string;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t') break;
    if (c === '`') fail('command substitution `...` is refused');
    if (c === ';' || c === '&' || c === '|' || c === '<' || c === '>' || c === '(' || c === ')') fail(`unquoted '${c}' would be run by a shell`);
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) fail('unterminated single quote');
      value += src.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= src.length) fail('unterminated double quote');
        const d = src[i];
        if (d === '"') { i++; break; }
        if (d === '`') fail('command substitution `...` is refused');
        if (d === '\\' && i + 1 < src.length && '"\\$`'.includes(src[i + 1])) { value += src[i + 1]; i += 2; continue; }
        if (d === '$') { expand(true); continue; }
        value += d;
        i++;
      }
    } else if (c === '\\') {
      if (i + 1 >= src.length) fail('line continuation is not supported');
      value += src[i + 1];
      i += 2;
    } else if (c === '$') {
      if (src[i + 1] === "'") fail("ANSI-C quoting $'...' is not supported");
      expand(false);
    } else {
      value += c;
      i++;
    }
  }
  const raw = src.slice(0, i);
  const tail = src.slice(i).trim();
  if (tail !== '' && !tail.startsWith('#')) fail(`unexpected text after the value: ${JSON.stringify(tail)} (quote values that contain blanks)`);
  return { value, raw };
}
