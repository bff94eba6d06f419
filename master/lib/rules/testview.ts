// What rules/Test shows beside its result lines: the verbose line, the --rule filter and the
// summary of matches per rule and of untreated lines (fail2ban-regex's report).
import type { Outcome } from './samples.js';
import type { RuleSet } from './ruleset.js';
import { WatcherError, EX_USAGE } from '../core/exit.js';
import { printable } from '../core/lines.js';

/** How rules/Test prints: JSON lines, each line with its text (verbose), only one rule's matches. */
export interface ViewOptions { json?: boolean; verbose?: boolean; rule?: string }

/** Matches of one rule: lines, and of them those with no peer address or an ambiguous one. */
export interface RuleTally { matches: number; noAddress: number; ambiguous: number }

/** What the summary needs, gathered while the lines are replayed. */
export interface Tally { perRule: Map<string, RuleTally>; untreated: { line: number; text: string }[]; untreatedCount: number }

/** Untreated lines the summary quotes (the count is always complete). */
export const UNTREATED_SHOWN = 20;

export function newTally(): Tally { return { perRule: new Map(), untreated: [], untreatedCount: 0 }; }

/** One result line of rules/Test: `match root-login inject 4 60.130.203.141`, `skip`, `untreated`, `overlong`. */
export function formatOutcome(o: Outcome, json: boolean): string {
  if (json) return JSON.stringify(o);
  if (o.verdict !== 'match') return `${o.verdict}${o.instance ? ` [${o.instance}]` : ''}`;
  return `match ${o.rule} ${o.action}${o.penalty !== null ? ` ${o.penalty}` : ''} ${o.address ?? '-'}${o.ambiguous ? ` (ambiguous: ${o.ambiguous.join(' ')})` : ''}${o.tries ? ` (${o.tries} tries)` : ''}${formatCarry(o)}${o.instance ? ` [${o.instance}]` : ''}`;
}

// What the line's session adds: the peer it opens, carries or waits for.
function formatCarry(o: Outcome): string {
  if (o.opens !== undefined) return ` (opens its session: ${o.opens})`;
  if (o.carried) return ' (its session\'s peer)';
  if (o.waits) return ' (waits for its session\'s peer)';
  if (o.carries) return ` (line ${o.carries.join(', ')}: its session's peer${o.own !== undefined ? `; this line: ${o.own}` : ''})`;
  return '';
}

/** Check --rule against the set: an unknown name is a usage error listing the rules there are. */
export function checkRuleName(set: RuleSet, name: string | undefined, dir: string): void {
  if (name === undefined) return;
  const names = [...new Set(set.rules.map((r) => r.name))];
  if (!names.includes(name)) throw new WatcherError(`--rule ${JSON.stringify(name)}: no such rule in ${dir} (rules: ${names.join(' ')})`, EX_USAGE);
}

/** Count one outcome into the tally; `text` is the line as read (quoted for untreated lines). */
export function tallyOutcome(t: Tally, o: Outcome, lineNo: number, text: string): void {
  if (o.verdict === 'untreated') {
    t.untreatedCount++;
    if (t.untreated.length < UNTREATED_SHOWN) t.untreated.push({ line: lineNo, text });
    return;
  }
  if (o.verdict !== 'match' || o.rule === null || o.own !== undefined) return;
  let r = t.perRule.get(o.rule);
  if (r === undefined) t.perRule.set(o.rule, r = { matches: 0, noAddress: 0, ambiguous: 0 });
  r.matches++;
  if (o.ambiguous) r.ambiguous++;
  else if (o.address === null && o.action !== 'return' && o.action !== 'passon' && o.opens === undefined) r.noAddress++;
}

/** The output of one line under the options, '' when --rule hides it. */
export function viewLine(o: Outcome, lineNo: number, text: string, v: ViewOptions): string {
  if (v.rule !== undefined && o.rule !== v.rule) return '';
  const shown = v.verbose || v.rule !== undefined;
  if (!shown) return formatOutcome(o, !!v.json) + '\n';
  if (v.json) return JSON.stringify({ line: lineNo, ...o, text }) + '\n';
  return `${lineNo}: ${formatOutcome(o, false)} | ${printable(text)}\n`;
}

/** The summary: matches per rule in ladder order (every rule with --verbose), then the untreated lines. */
export function formatTally(t: Tally, set: RuleSet, verbose: boolean): string {
  const names = [...new Set(set.rules.map((r) => r.name))].filter((n) => verbose || t.perRule.has(n));
  const width = Math.max(4, ...names.map((n) => n.length));
  let s = names.length ? 'Matches per rule:\n' : 'Matches per rule: none\n';
  for (const n of names) {
    const r = t.perRule.get(n) ?? { matches: 0, noAddress: 0, ambiguous: 0 };
    const notes = [r.noAddress ? `${r.noAddress} without an address` : '', r.ambiguous ? `${r.ambiguous} ambiguous` : ''].filter(Boolean);
    s += `  ${n.padEnd(width)} ${String(r.matches).padStart(7)}${notes.length ? ` (${notes.join(', ')})` : ''}\n`;
  }
  s += `Untreated lines: ${t.untreatedCount}\n`;
  for (const u of t.untreated) s += `  ${u.line}: ${printable(u.text.length > 300 ? `${u.text.slice(0, 300)}…` : u.text)}\n`;
  if (t.untreatedCount > t.untreated.length) s += `  ... and ${t.untreatedCount - t.untreated.length} more (--verbose shows every line with its verdict)\n`;
  return s;
}
