// Typed settings: one table of keys with types and defaults, filled from KEY=VALUE files.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parseAssignments } from './conf.js';
import { ConfError, WatcherError, EX_CONFIG } from './exit.js';

type Raw = Record<string, string>;

export type KeySpec =
  // `check` refuses a word of a list (or a string) with the reason, like a wrong type.
  | { type: 'string' | 'flag' | 'path' | 'list'; default: string | ((raw: Raw) => string); env?: boolean; doc: string; check?: (word: string) => string | undefined }
  // Every number has a range an administrator could mean: a value outside it is refused, never used.
  | { type: 'int'; default: string; min: number; max: number; fallback?: boolean; doc: string; env?: boolean }
  | { type: 'enum'; default: string; values: readonly string[]; doc: string; env?: boolean };

export type KeyTable = Record<string, KeySpec>;

type ValueOf<S> = S extends { type: 'int' } ? number : S extends { type: 'list' } ? string[] : string;
export type Settings<T extends KeyTable> = { readonly [K in keyof T]: ValueOf<T[K]> };

/** Where a problem with a value was found, for messages. */
export interface Origin { file: string; line: number }

/** Something a loader has to say that is not fatal (a fallback taken). */
export type Warn = (message: string) => void;

// Check and convert one value; returns the string form kept for $VAR expansion.
function checkValue(key: string, spec: KeySpec, value: string, at: Origin, warn: Warn): string {
  const bad = (reason: string): never => { throw new ConfError(at.file, at.line, key, value, reason); };
  switch (spec.type) {
    case 'int': {
      const ok = /^-?\d+$/.test(value.trim());
      const n = ok ? Number(value.trim()) : NaN;
      if (ok && n >= spec.min && n <= spec.max) return String(n);
      const want = `a whole number >= ${spec.min} and <= ${spec.max}`;
      if (spec.fallback) {
        warn(`${at.file}:${at.line}: ${key}=${JSON.stringify(value)} is not ${want}; using ${spec.default}`);
        return spec.default;
      }
      return bad(`not ${want}`);
    }
    case 'path':
      if (value !== '' && !isAbsolute(value)) bad('not an absolute path');
      return value;
    case 'enum':
      if (!spec.values.includes(value)) bad(`must be one of ${spec.values.join(', ')}`);
      return value;
    default:
      for (const word of spec.check ? (spec.type === 'list' ? value.split(/\s+/).filter(Boolean) : [value]) : []) {
        const why = spec.check!(word);
        if (why) bad(`${JSON.stringify(word)}: ${why}`);
      }
      return value;
  }
}

function typed(spec: KeySpec, value: string): unknown {
  if (spec.type === 'int') return Number(value);
  if (spec.type === 'list') return value.split(/\s+/).filter(Boolean);
  return value;
}

export interface LoadOptions<K extends string = string> {
  /** Environment to take overrides from (keys marked env: true). */
  env?: NodeJS.ProcessEnv;
  warn?: Warn;
  /** Values fixed by the caller before any file is read (e.g. MASTER_PATH). */
  fixed?: Raw;
  /**
   * The keys the program cannot work without. Given, a bad value of any other key (an unknown
   * key, a line that sets nothing) is a warning naming file:line, key and value, and the value
   * in force before it stays (the default): an administrator's emergency tool is not stopped by
   * a typo it does not depend on. Not given, every key is needed.
   */
  needs?: readonly K[];
}

/**
 * Load settings: defaults of the table, then each file in order (missing files are skipped),
 * then environment variables for keys marked env. An unknown key or bad value is a ConfError
 * (exit 78), or a warning when the key is not one of `needs`.
 */
export function loadSettings<T extends KeyTable>(table: T, files: string[], opts: LoadOptions<keyof T & string> = {}): Settings<T> & { readonly files: string[] } {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const raw: Raw = { ...(opts.fixed ?? {}) };
  const set = new Map<string, string>();
  const defaultOf = (spec: KeySpec): string => (typeof spec.default === 'function' ? spec.default(raw) : spec.default);
  const lookup = (name: string): string | undefined => {
    if (name in raw) return raw[name];
    if (table[name]?.env && env[name]) return env[name];
    const spec = table[name];
    if (spec) return defaultOf(spec);
    return env[name];
  };
  // A bad line or value: the error where the program needs the key, else a warning and the value in force stays.
  const refuse = (err: ConfError, key: string): void => {
    if (!opts.needs || (opts.needs as readonly string[]).includes(key)) throw err;
    const spec = table[key];
    const from = set.get(key);
    warn(`${err.message}; ${!spec ? 'line ignored' : from ? `using ${key}=${raw[key]} of ${from}` : `using the default ${key}=${defaultOf(spec)}`}`);
  };
  const take = (key: string, value: string, at: Origin): void => {
    const spec = table[key];
    if (!spec) return refuse(new ConfError(at.file, at.line, key, value, `unknown key (known: ${Object.keys(table).join(' ')})`), key);
    try { raw[key] = checkValue(key, spec, value, at, warn); } catch (e) {
      if (e instanceof ConfError) return refuse(e, key);
      throw e;
    }
    set.set(key, at.line ? `${at.file}:${at.line}` : at.file);
  };
  const read: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) { throw new WatcherError(`${file}: cannot read: ${(e as Error).message}`, EX_CONFIG); }
    read.push(file);
    // Lines in file order, so the first bad line is the one reported (or warned about first).
    const bad: { line: number; run: () => void }[] = [];
    const good = parseAssignments(text, file, lookup, (err, key) => bad.push({ line: err.line, run: () => refuse(err, key) }))
      .map((a) => ({ line: a.line, run: () => take(a.key, a.value, { file, line: a.line }) }));
    for (const step of [...good, ...bad].sort((x, y) => x.line - y.line)) step.run();
  }
  for (const [key, spec] of Object.entries(table)) {
    if (spec.env && env[key] !== undefined && env[key] !== '') take(key, env[key] as string, { file: 'environment', line: 0 });
  }
  const out: Record<string, unknown> = { files: read };
  for (const [key, spec] of Object.entries(table)) {
    const value = key in raw ? raw[key] : defaultOf(spec);
    raw[key] = value;
    out[key] = typed(spec, value);
  }
  return out as Settings<T> & { readonly files: string[] };
}
