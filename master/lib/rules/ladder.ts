// The rope ladder as the scanner walks it: superflous_map's patterns (skip) and then the rules,
// first match wins, each tried only where it can match. Almost every pattern starts with fixed
// text that holds an anchor, `: ` (`': Failed password for '`, right before the message) or
// `[` (`'sshd\[[0-9]+\]: '`, the tag's pid). A line holds few anchors at or before its
// message, usually one of each; the characters at that one anchor (the message's first
// letter, the program name's last two) rule out most of the ladder before any pattern runs,
// and a pattern that stays is tried with startsWith and one sticky exec at the one place it
// can start. The result is the same as trying every pattern everywhere a match may start
// (anchor.ts): only the work differs.
import { execAnchored, includesAnchored } from './anchor.js';
import { prefixesOf, escapeRegex } from './shape.js';
import { needsOf, holdsOne } from './needs.js';
import { factorParts, commonCut } from './shared-head.js';
import type { Rule } from './parse.js';

/** What the ladder says about a line: skipped noise, the first matching rule, or untreated. */
export type Decision = 'skip' | Rule | undefined;

const ANCHORS = [': ', '['] as const;

interface Step {
  decision: 'skip' | Rule;
  regex?: RegExp;
  /** The regex made sticky: tried at one position. */
  sticky?: RegExp;
  literal?: string;
  /** Texts one of which every match contains (needs.ts): a line with none is not tried. */
  needs?: string[];
  /** Which ANCHORS every prefix holds (undefined: the step is tried as anchor.ts does). */
  anchor?: number;
  /** Texts every match starts with, and where the anchor stands in each. */
  prefixes: string[];
  offsets: number[];
}

/**
 * What a line's anchors say, one number per anchor: none at or before where a match may
 * start, more than one, or exactly one and the characters that key it (after `: `, the
 * message's first letter; before `[`, the program name's last two), or OTHER for a character
 * beyond ASCII or none.
 */
const NONE = 0;
const MANY = 1;
const OTHER = 2;
const BRACKET_STATES = 3 + 128 * 128;
const keyed = (c: number): number => c < 128 ? 3 + c : OTHER;
const keyedPair = (before: number, last: number): number => before < 128 && last < 128 ? 3 + before * 128 + last : OTHER;
/** The longest text a pattern may begin with and still be left out by the texts it needs (needs.ts). */
const LOOSE_PREFIX = 4;
/** Plans kept at most: past them, a new program name is tried with the plan of any program name (OTHER). */
const MAX_PLANS = 4096;

/**
 * A step with the prefixes that can stand at a line's one anchor; or neighbouring steps that
 * all start right at the `: ` anchor as one sticky regex, an alternative each in ladder order
 * with an empty group after it that tells which matched (one exec instead of one a step).
 */
interface Probe { step: Step; prefixes: string[]; offsets: number[]; group?: Group }

/**
 * Neighbouring steps as one sticky alternation. A step with needs has a bit (all of them:
 * `gated`): a line that holds none of their texts runs the alternation made without them, a
 * line that holds one (rare: a payload) the one of all steps; two alternations to compile.
 */
interface Group { steps: Step[]; gates: { needs: string[]; bit: number }[]; gated: number; variants: Map<number, Variant | null>; compiled: Map<string, { sticky: RegExp; runs: number[] }> }
/**
 * An alternation of some of a group's steps, neighbours with a long shared beginning written
 * once (shared-head.ts); `runs[k]`: where step k's run begins.
 */
interface Variant { sticky: RegExp; steps: Step[]; runs: number[] }

/** Steps of a group that get a bit. */
const MAX_GATES = 30;

// The alternation of the group's steps less those of `mask`, or null when none is left.
function variantOf(group: Group, mask: number): Variant | null {
  let v = group.variants.get(mask);
  if (v !== undefined) return v;
  v = alternationOf(group.steps.filter((_, i) => i >= MAX_GATES || !(mask & (1 << i))), group.compiled);
  group.variants.set(mask, v);
  return v;
}

// One RegExp a list of steps for the whole ladder: plans share their alternations, each compiled once.
function alternationOf(steps: Step[], compiled: Map<string, { sticky: RegExp; runs: number[] }>): Variant | null {
  if (steps.length === 0) return null;
  const sources = steps.map((s) => s.literal !== undefined ? escapeRegex(s.literal) : s.regex!.source);
  const key = sources.join('\n');
  let c = compiled.get(key);
  if (c === undefined) {
    const { source, runs } = factorParts(sources);
    compiled.set(key, c = { sticky: new RegExp(source, 'y'), runs });
  }
  return { sticky: c.sticky, steps, runs: c.runs };
}

// The first step of a variant that matches at `colon`, in ladder order, or undefined: where a
// step matched, the steps of its run before it are tried alone, in order (they may match too).
function firstMatch(v: Variant | null, line: string, colon: number): Step | undefined {
  if (v === null) return undefined;
  v.sticky.lastIndex = colon;
  const m = v.sticky.exec(line);
  if (m === null) return undefined;
  let k = 0;
  while (m[k + 1] === undefined) k++;
  for (let i = v.runs[k]; i < k; i++) {
    const s = v.steps[i];
    if (s.sticky === undefined) { if (standsAt(line, s.literal!, colon)) return s; continue; }
    s.sticky.lastIndex = colon;
    if (s.sticky.test(line)) return s;
  }
  return v.steps[k];
}

// Runs of neighbouring probes that start at the `: ` anchor itself, each run as one probe.
function grouped(plan: Probe[], compiled: Map<string, { sticky: RegExp; runs: number[] }>): Probe[] {
  const out: Probe[] = [];
  const atColon = (p: Probe): boolean => p.step.anchor === 0 && p.offsets.every((o) => o === 0) && (p.step.literal !== undefined || (p.step.regex !== undefined && p.step.regex.flags === ''));
  for (let i = 0; i < plan.length;) {
    let j = i;
    while (j < plan.length && atColon(plan[j])) j++;
    if (j - i < 2) { out.push(plan[i]); i = Math.max(i + 1, j); continue; }
    const steps = plan.slice(i, j).map((p) => p.step);
    // The steps before the first one with needs apart: a line they take never tests a text.
    const f = steps.findIndex((s) => s.needs !== undefined);
    for (const part of f > 0 ? [steps.slice(0, f), steps.slice(f)] : [steps]) {
      const gates = part.flatMap((s, k) => s.needs !== undefined && k < MAX_GATES ? [{ needs: s.needs, bit: 1 << k }] : []);
      const group: Group = { steps: part, gates, gated: gates.reduce((m, g) => m | g.bit, 0), variants: new Map(), compiled };
      variantOf(group, 0);
      out.push({ step: part[0], prefixes: [], offsets: [], group });
    }
    i = j;
  }
  return out;
}

function stepOf(decision: 'skip' | Rule, regex: RegExp | undefined, literal: string | undefined): Step {
  const prefixes = literal !== undefined ? [literal] : regex!.flags.includes('i') ? undefined : prefixesOf(regex!.source);
  // Flat strings: prefixes are built by concatenation, and a rope is slow to read a character of.
  const step: Step = { decision, regex, literal, prefixes: (prefixes ?? []).map((p) => Buffer.from(p).toString()), offsets: [] };
  if (regex) step.sticky = new RegExp(regex.source, `${regex.flags}y`);
  // Worth a test where the pattern reads on through the line (`.*`) and almost any line gets
  // there (the text it begins with is at most an anchor and a character or two, `[:] [^ ]+ .*`):
  // behind fixed words (`: Connection closed by .*`) it fails at once; a text an anchor spells
  // is on every line the step is tried on: no test.
  const loose = prefixes === undefined || prefixes.every((p) => p.length <= LOOSE_PREFIX);
  const needs = regex !== undefined && loose && regex.source.includes('.*') ? needsOf(regex.source, regex.flags) : undefined;
  if (needs !== undefined && !needs.some((t) => ANCHORS.some((a) => t === a))) step.needs = needs;
  if (prefixes === undefined) return step;
  const anchor = ANCHORS.findIndex((a) => prefixes.every((p) => p.includes(a)));
  if (anchor < 0) return step;
  step.anchor = anchor;
  step.offsets = prefixes.map((p) => p.indexOf(ANCHORS[anchor]));
  return step;
}

/** A rules directory's ladder: superflous_map's patterns, then the rules in file order. */
export class Ladder {
  private readonly steps: Step[];
  /** The farthest an anchor stands in a prefix: anchors are looked for up to `at` plus this. */
  private readonly reach: number[];
  /** What to try for a pair of anchor states, made at first need. */
  private readonly plans = new Map<number, Probe[]>();
  /** The sticky alternations of the plans' groups by source. */
  private readonly compiled = new Map<string, { sticky: RegExp; runs: number[] }>();

  constructor(superflous: RegExp[], rules: Rule[]) {
    this.steps = [
      ...mergeNoise(superflous.map((r) => stepOf('skip', r, undefined))),
      ...rules.map((r) => stepOf(r, r.literal ? undefined : r.regex, r.literal ? r.pattern : undefined)),
    ];
    this.reach = ANCHORS.map((_, a) => Math.max(0, ...this.steps.filter((s) => s.anchor === a).flatMap((s) => s.offsets)));
  }

  /** Walk a line through the ladder (`at`: where its message starts, header.ts). */
  decide(line: string, at: number): Decision {
    const colon = soleAnchor(line, ANCHORS[0], at + this.reach[0]);
    const bracket = soleAnchor(line, ANCHORS[1], at + this.reach[1]);
    if (colon === -2 || bracket === -2) return this.decideEverywhere(line, at);
    const colonState = colon < 0 ? NONE : keyed(line.charCodeAt(colon + 2));
    const key = colonState * BRACKET_STATES + (bracket < 0 ? NONE : bracket < 2 ? OTHER : keyedPair(line.charCodeAt(bracket - 2), line.charCodeAt(bracket - 1)));
    let plan = this.plans.get(key);
    if (plan === undefined) {
      const k = this.plans.size < MAX_PLANS ? key : colonState * BRACKET_STATES + OTHER;
      plan = this.plans.get(k);
      if (plan === undefined) this.plans.set(k, plan = this.planFor(k));
    }
    for (let i = 0; i < plan.length; i++) {
      const { step, prefixes, offsets, group } = plan[i];
      if (group !== undefined) {
        if (colon > at) continue;
        let mask = group.gated;
        for (let k = 0; k < group.gates.length && mask !== 0; k++) if (holdsOne(line, group.gates[k].needs)) mask = 0;
        const found = firstMatch(variantOf(group, mask), line, colon);
        if (found !== undefined) return found.decision;
        continue;
      }
      if (step.anchor === undefined ? tryAnywhere(step, line, at) : tryAt(step, line, at, step.anchor === 0 ? colon : bracket, prefixes, offsets)) return step.decision;
    }
    return undefined;
  }

  // A line with two anchors of a kind where a match may start: each step at each of them.
  private decideEverywhere(line: string, at: number): Decision {
    const anchors = ANCHORS.map((a, k) => positionsOf(line, a, at + this.reach[k]));
    for (const step of this.steps) {
      const hit = step.anchor === undefined ? tryAnywhere(step, line, at) : anchors[step.anchor].some((q) => tryAt(step, line, at, q, step.prefixes, step.offsets));
      if (hit) return step.decision;
    }
    return undefined;
  }

  // The steps, each with its prefixes, that can match a line whose anchors have these states.
  private planFor(key: number): Probe[] {
    const states = [Math.floor(key / BRACKET_STATES), key % BRACKET_STATES];
    const plan: Probe[] = [];
    for (const step of this.steps) {
      if (step.anchor === undefined) { plan.push({ step, prefixes: step.prefixes, offsets: step.offsets }); continue; }
      const state = states[step.anchor];
      if (state === NONE) continue;
      // The characters the state names, where each prefix has them (after `: `, before `[`).
      const keep = step.prefixes.map((p, i) => state === OTHER || (step.anchor === 0 ? fitsAfter(p, step.offsets[i] + 2, state - 3) : fitsBefore(p, step.offsets[i], state - 3)));
      if (!keep.includes(true)) continue;
      plan.push({ step, prefixes: step.prefixes.filter((_, i) => keep[i]), offsets: step.offsets.filter((_, i) => keep[i]) });
    }
    return grouped(plan, this.compiled);
  }
}

// Whether a prefix can have the character `c` at `i` (it may end before).
const fitsAfter = (p: string, i: number, c: number): boolean => i >= p.length || p.charCodeAt(i) === c;

// Whether a prefix can have the two characters of `pair` (keyedPair less 3) before its '[' at `o`.
const fitsBefore = (p: string, o: number, pair: number): boolean => (o < 1 || p.charCodeAt(o - 1) === pair % 128) && (o < 2 || p.charCodeAt(o - 2) === Math.floor(pair / 128));

/** Where the one `anchor` of a line up to `limit` stands: -1 none, -2 more than one. */
function soleAnchor(line: string, anchor: string, limit: number): number {
  const q = line.indexOf(anchor);
  if (q < 0 || q > limit) return -1;
  // Another one up to the limit: a few characters looked at in JS; further, indexOf (it
  // searches on into the message, still cheaper than a longer loop in JS).
  if (limit - q > 8) {
    const next = line.indexOf(anchor, q + 1);
    return next >= 0 && next <= limit ? -2 : q;
  }
  const a = anchor.charCodeAt(0);
  const end = Math.min(limit, line.length - anchor.length);
  for (let i = q + 1; i <= end; i++) if (line.charCodeAt(i) === a && line.startsWith(anchor, i)) return -2;
  return q;
}

// Neighbouring noise patterns on the same anchor as one step: one sticky exec of their
// alternation where any of their prefixes stands instead of one a pattern, the text they
// begin with written once (`(?:sshd|sshd-session)\[[0-9]+\]: (?:Accepted ...|Disconnected ...)`).
function mergeNoise(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length;) {
    const first = steps[i];
    let j = i + 1;
    while (first.anchor !== undefined && first.regex && j < steps.length && steps[j].anchor === first.anchor && steps[j].regex?.flags === first.regex.flags) j++;
    if (j - i < 2) { out.push(first); i = j; continue; }
    const run = steps.slice(i, j);
    const regex = new RegExp(factored(run.map((x) => x.regex!.source)), first.regex!.flags);
    const pairs = new Map<string, number>();
    run.forEach((x) => x.prefixes.forEach((p, k) => pairs.set(p, x.offsets[k])));
    out.push({ decision: 'skip', regex, sticky: new RegExp(regex.source, `${regex.flags}y`), anchor: first.anchor, prefixes: [...pairs.keys()], offsets: [...pairs.values()] });
    i = j;
  }
  return out;
}

// The alternation of regex sources, neighbours that begin with the same text written as
// `head(?:rest|rest)`: the engine reads the head once. Matches what the plain alternation does.
export function factored(sources: string[]): string {
  const parts: string[] = [];
  let group: string[] = [];
  let head = '';
  const close = (): void => {
    if (group.length === 1) parts.push(`(?:${group[0]})`);
    else if (group.length > 1) parts.push(`(?:${head}(?:${group.map((g) => g.slice(head.length)).join('|')}))`);
    group = [];
  };
  for (const src of sources) {
    const shared = group.length ? commonCut(head, src) : src.length;
    if (group.length && shared === 0) close();
    head = group.length ? head.slice(0, shared) : src;
    group.push(src);
  }
  close();
  return parts.join('|');
}

// Where `anchor` stands in a line up to `limit`.
function positionsOf(line: string, anchor: string, limit: number): number[] {
  const out: number[] = [];
  for (let i = line.indexOf(anchor); i >= 0 && i <= limit; i = line.indexOf(anchor, i + 1)) out.push(i);
  return out;
}

function tryAnywhere(s: Step, line: string, at: number): boolean {
  if (s.needs !== undefined && !holdsOne(line, s.needs)) return false;
  return s.literal !== undefined ? includesAnchored(line, s.literal, at) : execAnchored(s.regex!, line, at) !== null;
}

// A step tried where one of its prefixes would stand with its anchor on the line's anchor
// `q`, starting at or before `at`: a literal compared there, a regex run there (sticky; it
// fails on the first character that differs, faster than comparing the prefix first).
function tryAt(s: Step, line: string, at: number, q: number, prefixes: string[], offsets: number[]): boolean {
  let tried = -1;
  for (let p = 0; p < prefixes.length; p++) {
    const start = q - offsets[p];
    if (start < 0 || start > at || start === tried) continue;
    if (s.sticky === undefined) { if (standsAt(line, prefixes[p], start)) return true; continue; }
    // The texts it needs looked for once, where it would run first.
    if (tried < 0 && s.needs !== undefined && !holdsOne(line, s.needs)) return false;
    tried = start;
    s.sticky.lastIndex = start;
    if (s.sticky.test(line)) return true;
  }
  return false;
}

// line.startsWith(text, start) by hand: V8's startsWith with a position is several times slower
// where the text does stand there, the common case here.
function standsAt(line: string, text: string, start: number): boolean {
  if (start + text.length > line.length) return false;
  for (let i = 0; i < text.length; i++) if (line.charCodeAt(start + i) !== text.charCodeAt(i)) return false;
  return true;
}
