// Bench (detection): WatchWB's rules over a generated, annotated corpus of web attacks per class
// (bench/web-attacks.ts) and of harmless traffic (bench/web-benign.ts), each request in four
// access-line formats and on the instance types its class names, error lines in apache's and
// nginx's forms; a planted address in a client field of every other access line. Each line is
// decided as WatchWB decides it (register, type ladder, peer, trusted proxies: rules/Test's
// outcomeOf) at LEVEL normal and strict. Per class: lines, counted for the right address, for
// another address, for the wrong instance; on the harmless corpus: lines counted (false positives).
// Usage: node dist/bench/web-corpus.js [--missed] [--fp] [RULES]   (--missed/--fp: list those lines)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRuleSet, type RuleSet } from '../master/lib/rules/ruleset.js';
import { outcomeOf } from '../master/lib/rules/samples.js';
import { openWebView } from '../master/lib/web/view.js';
import type { LineView } from '../master/lib/rules/view.js';
import { printTable, ROOT } from './common.js';
import { ATTACKS } from './web-attacks.js';
import { BENIGN } from './web-benign.js';
import { FORMATS, REGISTER, INSTANCES, accessLine, errorLine, errorInstance, makePeers, type Request, type WebType } from './web-lines.js';

const LEVELS = ['normal', 'strict'] as const;
type Level = typeof LEVELS[number];
/** The address a client writes into its own fields; it must never be counted. */
export const PLANTED = '198.51.100.250';

/** A corpus line with what it is: its class, the peer to count (none for harmless), the instance to count it for. */
export interface CorpusLine { group: string; text: string; peer?: string; instance: string }

// A client field that names an address: the referrer, the user agent or X-Forwarded-For, in turn.
function plant(r: Request, i: number): Request {
  if (i % 2) return r;
  const k = (i >> 1) % 3;
  if (k === 0 && !r.ref) return { ...r, ref: `http://${PLANTED}/ [client ${PLANTED}:4711] ${PLANTED} - - "GET / HTTP/1.1" 200` };
  if (k === 1 && !r.ua) return { ...r, ua: `Mozilla/5.0 (${PLANTED}) [Instance: blog.example.org:443]@wordpress` };
  return { ...r, xff: PLANTED };
}

/** The attack lines of every class, one distinct peer a line. */
export function attackLines(): CorpusLine[] {
  const next = makePeers();
  const out: CorpusLine[] = [];
  let i = 0;
  for (const c of ATTACKS) {
    const group = c.level ? `${c.name} (${c.level})` : c.name;
    for (const type of c.on) {
      for (const r of c.access) for (const f of FORMATS) { const peer = next(); out.push({ group, text: accessLine(f, peer, type, plant(r, i++)), peer, instance: `${INSTANCES[type]}@${type}` }); }
      for (const m of c.errors ?? []) { const peer = next(); out.push({ group, text: errorLine(peer, type, m), peer, instance: errorInstance(type, m.form) }); }
    }
  }
  return out;
}

/** The harmless lines, per instance type. */
export function benignLines(): CorpusLine[] {
  const next = makePeers();
  const out: CorpusLine[] = [];
  let i = 0;
  for (const b of BENIGN) {
    const group = `harmless ${b.type}`;
    for (const r of b.access) for (const f of FORMATS) out.push({ group, text: accessLine(f, next(), b.type, plant(r, i++)), instance: `${INSTANCES[b.type]}@${b.type}` });
    for (const m of b.errors ?? []) out.push({ group, text: errorLine(next(), b.type, m), instance: errorInstance(b.type, m.form) });
  }
  return out;
}

/** What WatchWB makes of a line: 'right', 'other' (another address), 'instance' (the right address, another instance), 'none' (nothing counted). */
export function judge(set: RuleSet, view: LineView, l: CorpusLine): { result: 'right' | 'other' | 'instance' | 'none'; rule: string | null; address: string | null } {
  const o = outcomeOf(set, l.text, undefined, view);
  if (o.action !== 'inject') return { result: 'none', rule: o.rule, address: null };
  const result = o.address === null ? 'none' : o.address !== l.peer ? 'other' : o.instance !== l.instance ? 'instance' : 'right';
  return { result, rule: o.rule, address: o.address };
}

/** A register of the corpus instances beside the rules, and the view and ladders of both levels. */
export function openCorpus(rules: string): { view: LineView; sets: Record<Level, RuleSet>; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-web-corpus-'));
  writeFileSync(join(dir, 'instances'), REGISTER);
  const view = openWebView({ dir, rules, log: () => undefined });
  const sets = Object.fromEntries(LEVELS.map((l) => {
    const r = readRuleSet(rules, l);
    if (!r.set) throw new Error(`${rules}: ${r.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('; ')}`);
    return [l, r.set];
  })) as Record<Level, RuleSet>;
  return { view, sets, close: () => rmSync(dir, { recursive: true, force: true }) };
}

function main(): number {
  const args = process.argv.slice(2);
  const rules = args.find((a) => !a.startsWith('--')) ?? join(ROOT, 'modules/WatchWB/rules');
  const { view, sets, close } = openCorpus(rules);
  const notes: string[] = [];
  try {
    const rows: (string | number)[][] = [];
    const total = { n: 0, normal: 0, strict: 0, other: 0 };
    const groups = new Map<string, typeof total & { instance: number }>();
    for (const l of attackLines()) {
      const g = groups.get(l.group) ?? { n: 0, normal: 0, strict: 0, other: 0, instance: 0 };
      groups.set(l.group, g);
      g.n++;
      for (const level of LEVELS) {
        const j = judge(sets[level], view, l);
        if (j.result === 'right') g[level]++;
        if (j.result === 'other') { g.other++; notes.push(`${level} OTHER ${j.rule} ${j.address}: ${l.text}`); }
        if (j.result === 'instance') { g.instance++; notes.push(`${level} INSTANCE ${j.rule}: ${l.text}`); }
        if (j.result === 'none' && args.includes('--missed')) notes.push(`${level} missed (${l.group}): ${l.text}`);
      }
    }
    const pct = (n: number, of: number): string => `${n} (${of ? Math.round((100 * n) / of) : 0}%)`;
    for (const [name, g] of groups) {
      rows.push([name, g.n, pct(g.normal, g.n), pct(g.strict, g.n), g.other, g.instance]);
      total.n += g.n; total.normal += g.normal; total.strict += g.strict; total.other += g.other + g.instance;
    }
    rows.push(['all attacks', total.n, pct(total.normal, total.n), pct(total.strict, total.n), total.other, '']);
    const fp = new Map<string, { n: number; normal: number; strict: number }>();
    for (const l of benignLines()) {
      const g = fp.get(l.group) ?? { n: 0, normal: 0, strict: 0 };
      fp.set(l.group, g);
      g.n++;
      for (const level of LEVELS) {
        const j = judge(sets[level], view, l);
        if (j.result !== 'none' || j.address !== null) { g[level]++; if (args.includes('--fp')) notes.push(`${level} FALSE ${j.rule} ${j.address}: ${l.text}`); }
      }
    }
    console.log(`WatchWB's rules (${rules}) over the generated web corpus (bench/web-attacks.ts, bench/web-benign.ts):`);
    printTable(['class', 'lines', 'right n', 'right s', 'other address', 'other instance'], rows);
    printTable(['harmless', 'lines', 'counted n', 'counted s'], [...fp].map(([k, g]) => [k, g.n, g.normal, g.strict]));
    console.log('right n/s: counted for the peer the server wrote and its instance, LEVEL normal/strict; other address: counted for an address a client wrote (both levels);');
    console.log(`counted: harmless lines counted for anyone. Every other access line names ${PLANTED} in a client field (referrer, user agent, X-Forwarded-For).`);
    for (const n of notes) console.log(n);
  } finally {
    close();
  }
  return 0;
}

if (process.argv[1]?.endsWith('web-corpus.js')) process.exitCode = main();
