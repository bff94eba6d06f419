// Rule files (rules/NNN-*.rule): the seeds' bash syntax, parsed into data, never executed.
import { parseAssignments } from '../core/conf.js';
import { compileEre, EreError } from './ere.js';
import { findBacktracking } from './shape.js';

/**
 * What one line of a rule weighs in its session (`Affair=` in the rule file, see
 * module/sessions.ts): a try counts always; a session line only when no try of its session
 * counts; a close ends the session and counts when nothing of it was counted; an open line
 * counts nothing and names the peer of its session (rules/carry.ts), for its lines that name none.
 */
export type Weight = 'try' | 'session' | 'close' | 'open';
const WEIGHTS: readonly string[] = ['try', 'session', 'close', 'open'];

/**
 * How sure a rule is that its line is an attack (`Level=` in the rule file): normal rules are
 * always on; strict ones count lines that harmless clients write too (a bare preauth close)
 * and run only where the module's LEVEL is strict.
 */
export type Level = 'normal' | 'strict';
export const LEVELS: readonly Level[] = ['normal', 'strict'];

export type Action = 'inject' | 'passon' | 'return';

/** One decision line of the rope ladder. */
export interface Rule {
  file: string;
  line: number;
  /** RULE= at the decision line. */
  name: string;
  pattern: string;
  /** Quoted "$Pattern": a literal substring; unquoted $Pattern: a POSIX ERE. */
  literal: boolean;
  regex?: RegExp;
  action: Action;
  /** inject N: the preset of affairs for a new address. */
  penalty?: number;
  /** return N (`$?` is the action's own result). */
  code: number | '$?';
  /** Affair= before the decision: how the line counts in its session (default try). */
  affair: Weight;
  /** Level= before the decision: the module LEVEL from which the rule is on (default normal). */
  level: Level;
  /** Tries= before the decision: where a try line says how many tries it reports (the number that ends the match). */
  tries?: RegExp;
}

/** A problem in a rule file, reported as file:line: message. */
export interface RuleProblem { file: string; line: number; message: string }

/** A problem as the tools print it: file:line: message. */
export function formatProblem(p: RuleProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** A warning as the tools print it: file:line: warning: message. */
export function formatWarning(p: RuleProblem): string {
  return `${p.file}:${p.line}: warning: ${p.message}`;
}

/** The warning for a pattern whose shape backtracks more than linearly, if it does. */
export function warnBacktracking(regex: RegExp, file: string, line: number): RuleProblem | undefined {
  const why = findBacktracking(regex.source);
  return why === undefined ? undefined : { file, line, message: `pattern backtracks more than linearly: ${why}; a line that provokes it is matched again on the slower linear-time engine` };
}

/**
 * The shape checks of a file's patterns, made when the warnings are first read (check-rule, a
 * module's start): they cost more than parsing the rules, and rules/Test never shows them.
 * One warning a line.
 */
export class ShapeChecks {
  private readonly checks: { regex: RegExp; file: string; line: number }[] = [];
  private found?: RuleProblem[];

  add(regex: RegExp, file: string, line: number): void {
    this.checks.push({ regex, file, line });
  }

  get warnings(): RuleProblem[] {
    if (this.found === undefined) {
      this.found = [];
      for (const c of this.checks) {
        const w = warnBacktracking(c.regex, c.file, c.line);
        if (w && !this.found.some((x) => x.file === w.file && x.line === w.line)) this.found.push(w);
      }
    }
    return this.found;
  }
}

const TYPOGRAPHIC = /[\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00ab\u00bb\u2033\u2032]/;
const DECISION = /^if[ \t]+\[\[[ \t]+("\$REPLY"|\$REPLY|"\$\{REPLY\}"|\$\{REPLY\})[ \t]+=~[ \t]+("\$Pattern"|\$Pattern|"\$\{Pattern\}"|\$\{Pattern\})[ \t]+\]\][ \t]*;[ \t]*then[ \t]+(.*?);?[ \t]*fi[ \t]*(#.*)?$/;
const VARIABLES = new Set(['RULE', 'Pattern', 'Affair', 'Level', 'Tries']);

// Parse the `then ...` part: inject [N]; return $?  |  passon; return N  |  return N.
function parseActions(text: string): { action: Action; penalty?: number; code: number | '$?' } | string {
  const steps = text.split(';').map((s) => s.trim()).filter(Boolean);
  const ret = /^return([ \t]+(\$\?|\d{1,3}))?$/;
  const last = steps[steps.length - 1] ?? '';
  const rm = ret.exec(last);
  if (!rm) return `the decision must end with 'return N' or 'return $?' (without it bash falls through to the next rule): ${JSON.stringify(text)}`;
  const code: number | '$?' = rm[2] === undefined || rm[2] === '$?' ? '$?' : Number(rm[2]);
  if (steps.length === 1) return { action: 'return', code };
  if (steps.length > 2) return `one action per decision (inject [N], passon), then return: ${JSON.stringify(text)}`;
  const first = steps[0];
  const inj = /^inject([ \t]+(\S+))?$/.exec(first);
  if (inj) {
    if (inj[2] === undefined) return { action: 'inject', code };
    if (!/^\d{1,2}$/.test(inj[2]) || Number(inj[2]) < 1) return `inject takes a penalty of 1 or more, not ${JSON.stringify(inj[2])}`;
    return { action: 'inject', penalty: Number(inj[2]), code };
  }
  if (first === 'passon') return { action: 'passon', code };
  return `unknown action ${JSON.stringify(first)} (known: inject [N], passon, return N)`;
}

/** Parse one rule file; every problem (and warning) is returned with its line, nothing is thrown. */
export function parseRuleFile(text: string, file: string): { rules: Rule[]; problems: RuleProblem[]; readonly warnings: RuleProblem[] } {
  const rules: Rule[] = [];
  const problems: RuleProblem[] = [];
  const shapes = new ShapeChecks();
  const vars: Record<string, { value: string; line: number } | undefined> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const s = lines[i].replace(/\r$/, '').trim();
    const fail = (message: string): void => { problems.push({ file, line, message }); };
    if (s === '' || s.startsWith('#')) continue;
    if (TYPOGRAPHIC.test(s)) {
      const q = TYPOGRAPHIC.exec(s)![0];
      fail(`typographic quote ${q} (U+${q.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}): bash does not read it as a quote; use ASCII " or '`);
      continue;
    }
    if (/^(export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*=/.test(s)) {
      try {
        for (const a of parseAssignments(s, file)) {
          if (!VARIABLES.has(a.key)) { fail(`unknown variable ${a.key} (a rule sets RULE, Pattern, Affair, Level and Tries)`); continue; }
          if (a.key === 'Level' && !(LEVELS as readonly string[]).includes(a.value)) { fail(`Level=${a.value}: one of ${LEVELS.join(', ')}`); continue; }
          if (a.key === 'Affair' && !WEIGHTS.includes(a.value)) { fail(`Affair=${a.value}: one of ${WEIGHTS.join(', ')}`); continue; }
          vars[a.key] = { value: a.value, line };
        }
      } catch (e) {
        fail((e as Error).message.replace(`${file}:1: `, ''));
      }
      continue;
    }
    const m = DECISION.exec(s);
    if (!m) {
      fail(/^if\b/.test(s)
        ? `decision not understood; write: if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi`
        : `not a rule line (RULE=, Pattern=, or the one-line if [[ ... ]]; then ...; fi): ${JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)}`);
      continue;
    }
    const acts = parseActions(m[3]);
    if (typeof acts === 'string') { fail(acts); continue; }
    const name = vars.RULE?.value;
    const pattern = vars.Pattern?.value;
    if (!name) { fail('decision without a RULE= name before it'); continue; }
    if (pattern === undefined) { fail('decision without a Pattern= before it'); continue; }
    if (pattern === '') { fail(`empty Pattern (line ${vars.Pattern!.line}) matches every line`); continue; }
    const literal = m[2].startsWith('"');
    const rule: Rule = { file, line, name, pattern, literal, ...acts, affair: (vars.Affair?.value ?? 'try') as Weight, level: (vars.Level?.value ?? 'normal') as Level };
    if (rule.affair === 'open' && rule.action !== 'inject') { fail(`Affair=open (line ${vars.Affair!.line}) reads the peer of its line: its decision is 'inject; return $?' (it counts nothing), not ${rule.action}`); continue; }
    if (literal) {
      const esc = /\\./.exec(pattern);
      if (esc) { fail(`regex escape ${esc[0]} in the literal pattern ${JSON.stringify(pattern)} (line ${vars.Pattern!.line}): quoted "$Pattern" matches literally, so the backslash must be in the log line; drop it, or write $Pattern unquoted for a regex`); continue; }
    } else {
      try { rule.regex = compileEre(pattern); }
      catch (e) { fail(`Pattern (line ${vars.Pattern!.line}): ${e instanceof EreError ? e.message : `invalid regex: ${(e as Error).message}`}`); continue; }
      shapes.add(rule.regex, file, vars.Pattern!.line);
    }
    const tries = vars.Tries;
    if (tries && tries.value !== '') {
      try { rule.tries = compileEre(tries.value); }
      catch (e) { fail(`Tries (line ${tries.line}): ${e instanceof EreError ? e.message : `invalid regex: ${(e as Error).message}`}`); continue; }
      if (!/(\[0-9\]|\[\[:digit:\]\])\+$/.test(tries.value)) { fail(`Tries (line ${tries.line}): the pattern must end with [0-9]+, the number of tries it reads: ${JSON.stringify(tries.value)}`); continue; }
      shapes.add(rule.tries, file, tries.line);
    }
    rules.push(rule);
  }
  return { rules, problems, get warnings() { return shapes.warnings; } };
}
