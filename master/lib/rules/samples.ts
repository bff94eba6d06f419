// Annotated sample lines inside rule files and superflous_map: `#expect <verdict> [rule address]`
// (address `-` for none, `ambiguous` when more than one fits)
// followed by `#line <log line>`. rules/Test and check-all-rules replay them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRuleFiles, decideLine, type RuleSet } from './ruleset.js';
import { parseHeader, type HeadedLine } from './header.js';
import type { RuleProblem } from './parse.js';
import { countTries } from './tries.js';
import { ladderOf, type LineView } from './view.js';
import { carryPeer, type SessionPeers } from './carry.js';
import type { Rule } from './parse.js';
import type { Peer } from './maps.js';

export interface Sample {
  file: string;
  line: number;
  text: string;
  verdict: 'skip' | 'match' | 'untreated';
  rule?: string;
  /** Expected address; undefined means none ("-"). */
  address?: string;
  /** Annotated `ambiguous`: more than one address fits where the service writes its peer. */
  ambiguous?: boolean;
}

/** Read the samples of one file; a malformed annotation is a problem naming its line. */
export function parseSamples(text: string, file: string, problems: RuleProblem[] = []): Sample[] {
  const out: Sample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^#expect[ \t]+(.*)$/.exec(lines[i].replace(/\r$/, ''));
    if (!m) continue;
    const words = m[1].trim().split(/[ \t]+/);
    const next = lines[i + 1]?.replace(/\r$/, '');
    if (next === undefined || !/^#line( |$)/.test(next)) { problems.push({ file, line: i + 1, message: '#expect must be followed by a #line <log line>' }); continue; }
    const verdict = words[0];
    if (verdict === 'match' && words.length === 3) {
      const ambiguous = words[2] === 'ambiguous';
      out.push({ file, line: i + 2, text: next.slice(6), verdict, rule: words[1], address: words[2] === '-' || ambiguous ? undefined : words[2], ...(ambiguous ? { ambiguous } : {}) });
    } else if ((verdict === 'skip' || verdict === 'untreated') && words.length === 1) {
      out.push({ file, line: i + 2, text: next.slice(6), verdict });
    } else problems.push({ file, line: i + 1, message: `expected '#expect match <rule> <address|-|ambiguous>', '#expect skip' or '#expect untreated', not ${JSON.stringify(m[1])}` });
  }
  return out;
}

/** Every sample of a rules directory: the rule files in ladder order, then superflous_map. */
export function readSamples(dir: string, problems: RuleProblem[] = []): Sample[] {
  const files = [...listRuleFiles(dir), join(dir, 'superflous_map')].filter((f) => existsSync(f));
  return files.flatMap((f) => parseSamples(readFileSync(f, 'utf8'), f, problems));
}

/**
 * What the rule set does with a line, in the shape of rules/Test --json ('overlong': longer
 * than MAX_LINE, not matched); `ambiguous` (only when so) lists the addresses that each fit
 * where the service writes its peer: none is counted; `tries` (only when more than one) is how
 * many tries the line reports and counts (Tries=).
 */
export interface Outcome {
  verdict: 'skip' | 'match' | 'untreated' | 'overlong'; rule: string | null; action: string | null; penalty: number | null; address: string | null; ambiguous?: string[]; tries?: number; instance?: string;
  /** An open line (Affair=open): the peer it names for its session, counted nothing. */
  opens?: string;
  /** The line names no peer: `address` is its session's, named by an open line before. */
  carried?: true;
  /** The line names no peer and none is known yet: its affair waits for a line of its session that names it. */
  waits?: true;
  /** The lines whose waiting affairs count here, for this line's peer; `own` is this line's own decision where the outcome shown is theirs. */
  carries?: number[];
  own?: string;
}

/** A replay's memory of sessions (rules/Test reads a file in order): the line number and rule of each waiting affair. */
export interface ReplayPeers { peers: SessionPeers<{ line: number; rule: Rule }>; line: number }

/**
 * Decide one line as the module would, without database or firewall (`headed`: the line as
 * parseHeader reads it); `replay` carries session peers between the lines of a file read in order.
 */
export function outcomeOf(set: RuleSet, raw: string, headed: HeadedLine = parseHeader(raw), view?: LineView, replay?: ReplayPeers): Outcome {
  const { line, at } = headed;
  const reading = view?.read(line, at);
  const instance = reading?.instance !== undefined ? `${reading.instance}@${reading.type ?? '-'}` : undefined;
  set = ladderOf(set, reading);
  const d = decideLine(set, line, at);
  let looked = false;
  let found: Peer;
  const find = (): Peer => {
    if (!looked) { looked = true; const f = set.findPeer(line, at); found = reading?.peer ? reading.peer(f) : f; }
    return found;
  };
  const c = replay && (replay.peers.busy || (d !== 'skip' && d?.action === 'inject'))
    ? carryPeer(replay.peers, d, line, find, () => ({ line: replay.line, rule: d as Rule }), set.carries)
    : undefined;
  if (d === 'skip' || d === undefined) {
    if (c?.completed?.length) return carriedHere(c.completed, c.named!, d === 'skip' ? 'skip' : 'untreated');
    // The same object for every skipped or untreated line of no instance: nothing made a line.
    if (instance === undefined) return d === 'skip' ? SKIPPED : UNTREATED;
    return { verdict: d === 'skip' ? 'skip' : 'untreated', rule: null, action: null, penalty: null, address: null, instance };
  }
  const opens = d.affair === 'open' && d.action === 'inject';
  const peer = c !== undefined ? c.peer : d.action === 'return' ? undefined : find();
  const o: Outcome = { verdict: 'match', rule: d.name, action: d.action, penalty: d.penalty ?? null, address: typeof peer === 'string' && !opens ? peer : null };
  // An open line counts nothing: the peer it names is its session's (alone, as a sample: the line's own).
  const opened = c !== undefined ? c.opens : opens && typeof peer === 'string' ? peer : undefined;
  if (opened !== undefined) o.opens = opened;
  if (c?.remembered) o.carried = true;
  if (c?.waits) o.waits = true;
  if (c?.completed?.length) {
    if (d.action !== 'inject' || o.address !== c.named) return carriedHere(c.completed, c.named!, `${d.name} ${d.action}`);
    o.carries = c.completed.map((w) => w.line);
  }
  if (instance !== undefined) o.instance = instance;
  if (peer !== undefined && typeof peer !== 'string') o.ambiguous = peer.ambiguous;
  const tries = d.action === 'inject' && typeof peer === 'string' ? countTries(d, line, at, headed.repeats) : 1;
  if (tries > 1) o.tries = tries;
  return o;
}

// A line that names the peer its session's earlier lines waited for: what counts here is their affair.
function carriedHere(waited: { line: number; rule: Rule }[], address: string, own: string): Outcome {
  const r = waited[0].rule;
  return { verdict: 'match', rule: r.name, action: 'inject', penalty: r.penalty ?? null, address, carries: waited.map((w) => w.line), own };
}

const SKIPPED: Outcome = Object.freeze({ verdict: 'skip', rule: null, action: null, penalty: null, address: null });
const UNTREATED: Outcome = Object.freeze({ verdict: 'untreated', rule: null, action: null, penalty: null, address: null });

// A seed pattern that matched anywhere now counts only from the program position: say so.
function hintAnchor(set: RuleSet, s: Sample): string {
  if (s.verdict !== 'match') return '';
  const r = set.rules.find((x) => x.name === s.rule);
  if (!r || !(r.literal ? s.text.includes(r.pattern) : r.regex!.test(s.text))) return '';
  return ` (Pattern of ${s.rule} matches only inside the message: patterns count from the program name up to the first word of the message, see README "Patterns are anchored")`;
}

/** Samples whose outcome differs from their annotation, as problems naming the sample's line. */
export function checkSamples(set: RuleSet, samples: Sample[]): RuleProblem[] {
  const bad: RuleProblem[] = [];
  for (const s of samples) {
    const o = outcomeOf(set, s.text);
    const got = o.verdict === 'match' ? `match ${o.rule} ${o.ambiguous ? 'ambiguous' : o.address ?? o.opens ?? '-'}` : o.verdict;
    const want = s.verdict === 'match' ? `match ${s.rule} ${s.ambiguous ? 'ambiguous' : s.address ?? '-'}` : s.verdict;
    if (got !== want) bad.push({ file: s.file, line: s.line, message: `sample gives '${got}', annotated '${want}'${hintAnchor(set, s)}` });
  }
  return bad;
}
