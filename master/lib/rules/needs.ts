// The texts a pattern needs: a few texts one of which every match contains (`${`, `%7B` or
// `%7b` for log4j's lookups). A line that holds none of them cannot match, so the ladder
// (ladder.ts) leaves such a pattern out after a few `includes` instead of running it, which
// matters most for a pattern that reads the whole line (`.*`) before it can fail.
import { parse, type Node } from './shape.js';

/** A cap on the texts of one need: more would cost more `includes` than they save. */
const MAX_TEXTS = 8;
/** A shorter text is found on almost every line: no test. */
const MIN_LENGTH = 2;
/** A class of at most this many characters is spelled out (`[Bb]`). */
const MAX_CLASS = 4;

// What a node says: `exact`, every text it can match (when few); `any`, texts one of which
// every match of it contains.
interface Need { exact?: string[]; any?: string[] }

const unique = (xs: string[]): string[] => [...new Set(xs)];

// The better of two needs: the longer shortest text, then the fewer texts; none holds ''.
function better(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  const ok = (x: string[] | undefined): x is string[] => x !== undefined && x.length > 0 && x.length <= MAX_TEXTS && !x.includes('');
  if (!ok(a)) return ok(b) ? b : undefined;
  if (!ok(b)) return a;
  const la = Math.min(...a.map((t) => t.length));
  const lb = Math.min(...b.map((t) => t.length));
  return la !== lb ? (la > lb ? a : b) : a.length <= b.length ? a : b;
}

const anyOf = (n: Need): string[] | undefined => better(n.exact, n.any);

function needOf(n: Node): Need {
  if (n.k === 'assert') return { exact: [''] };
  if (n.k === 'char') {
    const count = n.set.reduce((sum, [a, b]) => sum + b - a + 1, 0);
    if (count > MAX_CLASS) return {};
    const exact: string[] = [];
    for (const [a, b] of n.set) for (let c = a; c <= b; c++) exact.push(String.fromCharCode(c));
    return { exact };
  }
  if (n.k === 'alt') {
    const parts = n.alts.map(needOf);
    const exact = parts.every((p) => p.exact !== undefined) ? unique(parts.flatMap((p) => p.exact!)) : undefined;
    const anys = parts.map(anyOf);
    const any = anys.every((a) => a !== undefined) ? unique(anys.flatMap((a) => a!)) : undefined;
    return { exact: exact !== undefined && exact.length <= MAX_TEXTS ? exact : undefined, any };
  }
  if (n.k === 'rep') {
    const body = needOf(n.body);
    if (n.min === 1 && n.max === 1) return body;
    return n.min === 0 ? {} : { any: anyOf(body) };
  }
  // A sequence: runs of exact items multiplied out; each run, and each other item's need, a candidate.
  let run: string[] | undefined = [''];
  let best: string[] | undefined;
  let whole = true;
  for (const item of n.items) {
    const x = needOf(item);
    if (x.exact !== undefined && run !== undefined) {
      const next = unique(run.flatMap((t) => x.exact!.map((u) => t + u)));
      if (next.length <= MAX_TEXTS) { run = next; continue; }
    }
    best = better(best, run);
    whole = false;
    if (x.exact !== undefined) { run = x.exact; continue; }
    best = better(best, x.any);
    run = [''];
  }
  best = better(best, run);
  return { exact: whole ? run : undefined, any: best };
}

/**
 * Texts one of which every match of a JS regex source contains, or undefined when none is
 * certain (or the pattern ignores case: the texts are compared as they are).
 */
export function needsOf(source: string, flags = ''): string[] | undefined {
  if (flags.includes('i')) return undefined;
  if (known.has(source)) return known.get(source);
  if (known.size >= MAX_KNOWN) known.clear();
  const texts = readNeeds(source);
  known.set(source, texts);
  return texts;
}

// The needs of the sources read so far: every ladder of every instance type and level holds the same rules.
const known = new Map<string, string[] | undefined>();
const MAX_KNOWN = 4096;

function readNeeds(source: string): string[] | undefined {
  let root: Node;
  try { root = parse(source); } catch { return undefined; }
  // The text a match starts with is no test: the ladder tries a pattern only where it stands.
  if (root.k === 'seq') {
    let k = 0;
    while (k < root.items.length && needOf(root.items[k]).exact !== undefined) k++;
    root = { k: 'seq', items: root.items.slice(k) };
  }
  const texts = anyOf(needOf(root));
  return texts !== undefined && texts.every((t) => t.length >= MIN_LENGTH) ? texts : undefined;
}

/** Whether a line holds one of the texts. */
export function holdsOne(line: string, texts: string[]): boolean {
  for (let i = 0; i < texts.length; i++) if (line.includes(texts[i])) return true;
  return false;
}
