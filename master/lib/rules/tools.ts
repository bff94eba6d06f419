// The rule author's tools: rules/Test (replay log lines), check-rule and check-all-rules.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { LineSplitter, OVERLONG, MAX_LINE } from '../core/lines.js';
import { systemClock } from '../core/clock.js';
import { WatcherError, EX_CONFIG, EX_NOINPUT, EX_USAGE } from '../core/exit.js';
import { parseRuleFile, formatProblem, formatWarning, type Level, type RuleProblem } from './parse.js';
import { parseSuperflousMap, parsePeerMap } from './maps.js';
import { loadRuleSet, readRuleSet, listRuleFiles, listTypeDirs, type RuleSet } from './ruleset.js';
import { outcomeOf, readSamples, checkSamples, parseSamples, type Outcome, type ReplayPeers } from './samples.js';
import { SessionPeers } from './carry.js';
import { headBareLine, isSyslogTag } from './header.js';
import { checkRuleName, formatOutcome, formatTally, newTally, tallyOutcome, viewLine, type Tally, type ViewOptions } from './testview.js';
import type { LineView } from './view.js';

export { formatOutcome } from './testview.js';

export interface TestCounts { lines: number; skipped: number; matched: number; untreated: number; overlong: number; ms: number; tally: Tally }

/**
 * Bytes read at a time: a chunk's text (and the lines sliced from it) stays in V8's young
 * generation; a 1 MiB chunk's string is a large object, mapped and unmapped each time.
 */
const CHUNK = 64 * 1024;

const OVERLONG_OUTCOME: Outcome = { verdict: 'overlong', rule: null, action: null, penalty: null, address: null };

/** The tag rules/Test gives a bare message (a line without any header) unless --tag says another. */
export const TEST_TAG = 'Test[0]';

/**
 * Replay lines through superflous_map and the rules, one result line per input line, in order
 * (`overlong` for one over MAX_LINE); a line without a header is given one (headBareLine, `tag`).
 * `view` adds the line number and text (verbose) or keeps only one rule's matches (--rule);
 * `lineView` is the module's reading of a line (WatchWB: its instance and type).
 */
export async function replayLines(set: RuleSet, input: Readable, out: Writable, view: boolean | ViewOptions, tag = TEST_TAG, lineView?: LineView): Promise<TestCounts> {
  const v: ViewOptions = typeof view === 'boolean' ? { json: view } : view;
  const plain = !v.verbose && v.rule === undefined;
  const t0 = systemClock.mono();
  const counts: TestCounts = { lines: 0, skipped: 0, matched: 0, untreated: 0, overlong: 0, ms: 0, tally: newTally() };
  const split = new LineSplitter();
  // Sessions' peers between lines, with no time limit: a file is read in order.
  const replay: ReplayPeers = { peers: new SessionPeers(), line: 0 };
  const handle = async (lines: (string | typeof OVERLONG)[]): Promise<void> => {
    let buf = '';
    for (const line of lines) {
      replay.line = counts.lines + 1;
      const o = line === OVERLONG ? OVERLONG_OUTCOME : outcomeOf(set, line, headBareLine(line, tag), lineView, replay);
      counts.lines++;
      if (o.verdict === 'skip') counts.skipped++;
      else if (o.verdict === 'untreated') counts.untreated++;
      else if (o.verdict === 'overlong') counts.overlong++;
      else counts.matched++;
      const text = line === OVERLONG ? `(over ${MAX_LINE} characters)` : line;
      tallyOutcome(counts.tally, o, counts.lines, text);
      buf += plain ? formatOutcome(o, !!v.json) + '\n' : viewLine(o, counts.lines, text, v);
    }
    if (buf && !out.write(buf)) await once(out, 'drain');
  };
  for await (const chunk of input) await handle(split.pushMarked(chunk as Buffer));
  await handle(split.endMarked());
  counts.ms = systemClock.mono() - t0;
  return counts;
}

/** What rules/Test is asked: JSON, verbose, one rule, the level, the tag of a bare message. */
export interface RuleTestOptions extends ViewOptions { level?: Level; tag?: string; lineView?: LineView }

/** rules/Test [--json] [--verbose] [--rule NAME] [--tag TAG] [FILE|-]: the module's fail2ban-regex. */
export async function runRuleTest(dir: string, file: string | undefined, opts: boolean | RuleTestOptions, level: Level = 'normal', tag = TEST_TAG): Promise<number> {
  const o: RuleTestOptions = typeof opts === 'boolean' ? { json: opts, level, tag } : { level, tag, ...opts };
  const t = o.tag ?? TEST_TAG;
  if (!isSyslogTag(t)) throw new WatcherError(`--tag ${JSON.stringify(t)}: not a syslog tag (program or program[pid], no blank or ':')`, EX_USAGE);
  const set = loadRuleSet(dir, o.level ?? 'normal');
  checkRuleName(set, o.rule, dir);
  const fromFile = file !== undefined && file !== '-' && file !== '';
  if (fromFile && !existsSync(file)) throw new WatcherError(`${file}: no such file`, EX_NOINPUT);
  const input = fromFile ? createReadStream(file, { highWaterMark: CHUNK }) : process.stdin;
  const c = await replayLines(set, input, process.stdout, o, t, o.lineView);
  const rate = c.ms > 0 ? Math.round(c.lines / (c.ms / 1000)) : c.lines;
  process.stderr.write(formatTally(c.tally, set, !!o.verbose));
  process.stderr.write(`${c.lines} lines: ${c.skipped} skipped, ${c.matched} matched, ${c.untreated} untreated${c.overlong ? `, ${c.overlong} overlong (over ${MAX_LINE} characters)` : ''}; ${(c.ms / 1000).toFixed(2)} s, ${rate} lines/s\n`);
  return 0;
}

/** Check one file of a rules directory (a rule file, superflous_map or peer_map). */
export function checkFile(file: string): { problems: RuleProblem[]; warnings: RuleProblem[]; summary: string } {
  if (!existsSync(file)) throw new WatcherError(`${file}: no such file`, EX_NOINPUT);
  const text = readFileSync(file, 'utf8');
  const problems: RuleProblem[] = [];
  const samples = parseSamples(text, file, problems);
  const name = basename(file);
  if (name === 'superflous_map') {
    const r = parseSuperflousMap(text, file);
    return { problems: [...problems, ...r.problems], warnings: r.warnings, summary: `${r.count} patterns, ${samples.length} samples` };
  }
  if (name === 'peer_map') {
    const r = parsePeerMap(text, file);
    return { problems: [...problems, ...r.problems], warnings: r.warnings, summary: `${r.count} peer patterns` };
  }
  const r = parseRuleFile(text, file);
  for (const rule of new Set(r.rules.map((x) => x.name))) {
    if (!samples.some((s) => s.rule === rule)) problems.push({ file, line: r.rules.find((x) => x.name === rule)!.line, message: `rule ${rule} has no annotated sample (#expect match ${rule} <address>, then #line <log line>)` });
  }
  return { problems: [...r.problems, ...problems], warnings: r.warnings, summary: `${r.rules.length} decisions, ${samples.length} samples` };
}

/** check-rule FILE...: print file:line of every problem (EX_CONFIG if there is one) and of every warning (still OK). */
export function runCheckRule(files: string[], out: (s: string) => void): number {
  let bad = 0;
  for (const f of files) {
    const { problems, warnings, summary } = checkFile(f);
    for (const p of problems) out(`${formatProblem(p)}\n`);
    for (const w of warnings) out(`${formatWarning(w)}\n`);
    if (problems.length === 0) out(`${f}: OK (${summary}${warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? 's' : ''}` : ''})\n`);
    bad += problems.length;
  }
  return bad ? EX_CONFIG : 0;
}

/** check-all-rules [DIR]: every file of the directory, then the samples replayed through the whole ladder. */
export function runCheckAllRules(dir: string, out: (s: string) => void): number {
  if (!existsSync(dir)) throw new WatcherError(`${dir}: no such directory`, EX_NOINPUT);
  const types = listTypeDirs(dir);
  const files = [dir, ...types.map((t) => join(dir, t))].flatMap((d) => [...listRuleFiles(d), join(d, 'superflous_map'), join(d, 'peer_map')]).filter(existsSync);
  let code = runCheckRule(files, out);
  // Every sample is replayed with every rule on: a strict rule's samples are its too.
  const { set, problems } = readRuleSet(dir, 'strict');
  if (!set) { if (!code) for (const p of problems) out(`${formatProblem(p)}\n`); return EX_CONFIG; }
  const sp: RuleProblem[] = [];
  const samples = readSamples(dir, sp);
  const bad = [...sp, ...checkSamples(set, samples)];
  let count = samples.length;
  // A type's samples are replayed through its ladder (the common rules and its own).
  for (const t of types) {
    const own = readSamples(join(dir, t), sp).filter((s) => s.file.startsWith(join(dir, t, '/')));
    bad.push(...checkSamples(set.types!.get(t)!, own));
    count += own.length;
  }
  for (const p of bad) out(`${formatProblem(p)}\n`);
  if (bad.length) code = EX_CONFIG;
  out(`${dir}: ${set.rules.length} decisions in ${set.files.length} files${types.length ? ` and the types ${types.join(', ')}` : ''}, ${count} samples, ${bad.length ? `${bad.length} samples wrong` : 'all samples as annotated'}\n`);
  return code;
}
