// Every pattern that runs on a log line runs in time linear in the line. V8's backtracking
// engine (irregexp) is fast on ordinary lines but can take seconds or hours on a crafted one
// (`(a+)+$`, two `.*` that share text). With the flags below V8 counts the backtracks of each
// exec and, past BACKTRACKS_BEFORE_FALLBACK, runs that exec again on its breadth-first engine,
// whose time is linear in the line. The flags act on a RegExp when it is created, so they are
// set when this file is evaluated: every file of rules/ that creates a pattern imports it, so
// ESM evaluates it before any of them, in every program (module, rules/Test, check-rule, ...)
// however it is started. NODE_OPTIONS refuses these V8 flags; a shebang would miss `node FILE`.
import { setFlagsFromString } from 'node:v8';

/**
 * Backtracks of one exec before it runs again on the linear engine (V8's default: 50,000).
 * Above MAX_LINE (8 KiB), so a pattern that backtracks once per character stays on the fast
 * engine; measured on 8 KiB lines, a pattern that backtracks worse costs at most about 25 ms.
 */
export const BACKTRACKS_BEFORE_FALLBACK = 10_000;

setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`);

// The `l` flag exists only while the engine is enabled: a V8 that ignored the flags says so here.
try { new RegExp('a', 'l'); } catch (e) {
  throw new Error(`V8 refused the linear-time regex engine (--enable-experimental-regexp-engine): ${(e as Error).message}`);
}

/** Whether V8's linear engine takes a JS regex source (no lookaround, no backreference, small intervals). */
export function runsLinear(source: string): boolean {
  try { new RegExp(source, 'l'); return true; } catch { return false; }
}

/** A pattern V8's linear engine cannot run: it would backtrack without a bound. */
export class NotLinearError extends Error {}

/** Compile a JS regex source that falls back to the linear engine when it backtracks; throws NotLinearError when it could not. */
export function compileLinear(source: string): RegExp {
  const regex = new RegExp(source);
  if (!runsLinear(source)) throw new NotLinearError(`${JSON.stringify(source)} cannot run on the linear-time engine (it has a lookaround or a backreference)`);
  return regex;
}
