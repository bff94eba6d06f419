// rules/: what a module does with a line. Rule files in the seeds' bash syntax parsed into
// data, POSIX ERE translated to RegExp that V8 runs in linear time (linear.ts, shape.ts), the
// log header a pattern is anchored after, superflous_map and peer_map, a rules directory as one
// rope ladder (this file), annotated samples and the rule author's tools (Test, check-rule).
// It may import core/ and net/ only.
//
// A module's rules directory as one object: the rope ladder, superflous_map and peer_map.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WatcherError, EX_CONFIG, EX_NOINPUT } from '../core/exit.js';
import { parseRuleFile, formatProblem, LEVELS, type Level, type Rule, type RuleProblem } from './parse.js';
import { parseSuperflousMap, parsePeerMap, type PeerFinder } from './maps.js';
import { findMessageStart } from './header.js';
import { Ladder, type Decision } from './ladder.js';

export type { Decision } from './ladder.js';

export interface RuleSet {
  dir: string;
  rules: Rule[];
  /** Noise: matching lines are skipped before the ladder. */
  superflous?: RegExp;
  superflousCount: number;
  /** superflous_map and the rules as the scanner walks them. */
  ladder: Ladder;
  /** The attacker's address in a line, from peer_map. */
  findPeer: PeerFinder;
  /** An `Affair=open` rule says the service's program[pid] is one session: its lines that name no peer take the session's (carry.ts). */
  carries: boolean;
  files: string[];
  /** Patterns that backtrack more than linearly (they work, on the slower linear engine when provoked); checked when first read. */
  readonly warnings: RuleProblem[];
  /** The ladders of the line types (WatchWB: instance types), by name: see readRuleSet. */
  types?: Map<string, RuleSet>;
}

/** A subdirectory of a rules directory holding the rules of one line type: wordpress, static, ... */
export const TYPE_DIR = /^[a-z][a-z0-9_-]{0,31}$/;

/** The type subdirectories of a rules directory, sorted. */
export function listTypeDirs(dir: string): string[] {
  return readdirSync(dir).filter((f) => TYPE_DIR.test(f) && statSync(join(dir, f)).isDirectory()).sort();
}

/** Rule files take part in file-name order: NNN-<name>.rule. */
export const RULE_FILE = /^\d{3}-.+\.rule$/;

/** The rule files of a directory in ladder order. */
export function listRuleFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => RULE_FILE.test(f)).sort().map((f) => join(dir, f));
}

/**
 * Read and check a rules directory, with the rules of `level` and below on; every problem is
 * collected, nothing is thrown. Each subdirectory named like a type (`wordpress/`) holds the
 * rule files of that line type: its ladder is the directory's rule files and its own in one
 * file-name order (a file of the type replaces the common file of the same name), its
 * superflous_map and peer_map add to the common ones.
 */
export function readRuleSet(dir: string, level: Level = 'normal'): { set?: RuleSet; problems: RuleProblem[] } {
  if (!existsSync(dir)) return { problems: [{ file: dir, line: 0, message: 'rules directory does not exist' }] };
  const common = readLadder(dir, listRuleFiles(dir), [dir], level);
  if (!common.set) return { problems: common.problems };
  const problems: RuleProblem[] = [];
  const types = new Map<string, RuleSet>();
  for (const type of listTypeDirs(dir)) {
    const own = join(dir, type);
    const byName = new Map([...listRuleFiles(dir), ...listRuleFiles(own)].map((f) => [basename(f), f]));
    const files = [...byName.keys()].sort().map((n) => byName.get(n)!);
    const r = readLadder(own, files, [dir, own], level);
    problems.push(...r.problems);
    if (r.set) types.set(type, r.set);
    // The common files' warnings are the common ladder's already.
    const typed = r.set;
    if (typed) common.shapes.push({ get warnings() { return typed.warnings.filter((w) => w.file.startsWith(`${own}/`)); } });
  }
  if (problems.length) return { problems };
  if (types.size) common.set.types = types;
  return { set: common.set, problems: common.problems };
}

// One ladder: these rule files, the maps of `mapDirs` joined.
function readLadder(dir: string, files: string[], mapDirs: string[], level: Level): { set?: RuleSet; problems: RuleProblem[]; shapes: { readonly warnings: RuleProblem[] }[] } {
  const problems: RuleProblem[] = [];
  // Where the warnings come from, read when first asked for (ShapeChecks).
  const shapes: { readonly warnings: RuleProblem[] }[] = [];
  const rules: Rule[] = [];
  for (const file of files) {
    const r = parseRuleFile(readFileSync(file, 'utf8'), file);
    rules.push(...r.rules.filter((x) => LEVELS.indexOf(x.level) <= LEVELS.indexOf(level)));
    problems.push(...r.problems);
    shapes.push(r);
  }
  // Each map file is checked alone (its problems name its own lines), then the ladder takes them joined.
  const maps = (name: string) => {
    const found = mapDirs.map((d) => join(d, name)).filter((f) => existsSync(f));
    const texts = found.map((f) => readFileSync(f, 'utf8'));
    const parse = name === 'peer_map' ? parsePeerMap : parseSuperflousMap;
    for (let k = 0; k < found.length; k++) {
      const alone = parse(texts[k], found[k]);
      problems.push(...alone.problems);
      shapes.push(alone);
    }
    return { text: texts.join('\n'), file: found[found.length - 1] ?? join(dir, name) };
  };
  const s = maps('superflous_map');
  const p = maps('peer_map');
  const sup = parseSuperflousMap(s.text, s.file);
  const peer = parsePeerMap(p.text, p.file);
  if (rules.length === 0 && problems.length === 0) problems.push({ file: dir, line: 0, message: 'no NNN-*.rule file with a rule' });
  if (rules.some((r) => r.action === 'inject') && peer.count === 0) problems.push({ file: join(dir, 'peer_map'), line: 0, message: 'inject rules need a peer_map that says where the service names its peer' });
  if (problems.length) return { problems, shapes };
  return { set: { dir, rules, superflous: sup.regex, superflousCount: sup.count, ladder: new Ladder(sup.regexes, rules), findPeer: peer.find, carries: rules.some((r) => r.affair === 'open'), files, get warnings() { return shapes.flatMap((x) => x.warnings); } }, problems, shapes };
}

/** Load a rules directory at `level` or throw EX_CONFIG listing every problem as file:line. */
export function loadRuleSet(dir: string, level: Level = 'normal'): RuleSet {
  if (!existsSync(dir)) throw new WatcherError(`${dir}: rules directory does not exist`, EX_NOINPUT);
  const { set, problems } = readRuleSet(dir, level);
  if (!set) throw new WatcherError(`broken rules, nothing loaded:\n${problems.map(formatProblem).join('\n')}`, EX_CONFIG);
  return set;
}

/**
 * Walk a line through superflous_map and the rope ladder (first match wins). A pattern counts
 * only where its match starts in the header, at the latest where the message starts (`at`,
 * see header.ts): text a client planted in the message never matches.
 */
export function decideLine(set: RuleSet, line: string, at = findMessageStart(line)): Decision {
  return set.ladder.decide(line, at);
}
