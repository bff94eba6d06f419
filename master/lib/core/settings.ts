// Typed settings: one table of keys with types and defaults, filled from KEY=VALUE files.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parseAssignments } from './conf.js';
import { ConfError, WatcherError, EX_CONFIG } from './exit.js';

type Raw = Record<string, string>;

export type KeySpec =
  | { type: 'string' | 'flag' | 'path' | 'list'; default: string | ((raw: Raw) => string); env?: boolean; doc: string }
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
      return value;
  }
}

function typed(spec: KeySpec, value: string): unknown {
  if (spec.type === 'int') return Number(value);
  if (spec.type === 'list') return value.split(/\s+/).filter(Boolean);
  return value;
}

export interface LoadOptions {
  /** Environment to take overrides from (keys marked env: true). */
  env?: NodeJS.ProcessEnv;
  warn?: Warn;
  /** Values fixed by the caller before any file is read (e.g. MASTER_PATH). */
  fixed?: Raw;
}

/**
 * Load settings: defaults of the table, then each file in order (missing files are skipped),
 * then environment variables for keys marked env. An unknown key or bad value is a ConfError.
 */
export function loadSettings<T extends KeyTable>(table: T, files: string[], opts: LoadOptions = {}): Settings<T> & { readonly files: string[] } {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const raw: Raw = { ...(opts.fixed ?? {}) };
  const set = new Set<string>();
  const lookup = (name: string): string | undefined => {
    if (name in raw) return raw[name];
    if (table[name]?.env && env[name]) return env[name];
    const spec = table[name];
    if (spec) return typeof spec.default === 'function' ? spec.default(raw) : spec.default;
    return env[name];
  };
  const read: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) { throw new WatcherError(`${file}: cannot read: ${(e as Error).message}`, EX_CONFIG); }
    read.push(file);
    for (const a of parseAssignments(text, file, lookup)) {
      const spec = table[a.key];
      if (!spec) throw new ConfError(file, a.line, a.key, a.value, `unknown key (known: ${Object.keys(table).join(' ')})`);
      raw[a.key] = checkValue(a.key, spec, a.value, { file, line: a.line }, warn);
      set.add(a.key);
    }
  }
  for (const [key, spec] of Object.entries(table)) {
    if (spec.env && env[key] !== undefined && env[key] !== '') {
      raw[key] = checkValue(key, spec, env[key] as string, { file: 'environment', line: 0 }, warn);
      set.add(key);
    }
  }
  const out: Record<string, unknown> = { files: read };
  for (const [key, spec] of Object.entries(table)) {
    const value = set.has(key) || key in raw ? raw[key] : (typeof spec.default === 'function' ? spec.default(raw) : spec.default);
    raw[key] = value;
    out[key] = typed(spec, value);
  }
  return out as Settings<T> & { readonly files: string[] };
}
