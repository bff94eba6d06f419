// The shape of a pattern (a JS source as translateEre writes it): which characters can start a
// match (header.ts tries a pattern only where one stands), and where it makes V8's backtracking
// engine work more than linearly. check-rule, check-all-rules and a module's start name such a
// pattern as a warning: it still works, in linear time (linear.ts), but each line that provokes
// it is matched again on the slower linear engine. Two shapes cover what is known to blow up
// once a match may only start in the header:
// - a repeat inside a repeated group whose text can be split two ways, `(a+)+`: exponential;
// - two unbounded repeats in a row that can take the same text, with nothing between them that
//   the text could not also hold, `.* port [0-9]+: .*\[preauth\]`: every split is tried.

/** A set of UTF-16 code units as sorted, disjoint [from, to] ranges. */
type Chars = [number, number][];

export type Node =
  | { k: 'char'; set: Chars }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; alts: Node[] }
  | { k: 'rep'; body: Node; min: number; max: number; src: string }
  | { k: 'assert' };

const MAXC = 0xffff;
const range = (a: string, b = a): Chars => [[a.charCodeAt(0), b.charCodeAt(0)]];

function union(...sets: Chars[]): Chars {
  const all = sets.flat().sort((x, y) => x[0] - y[0]);
  const out: Chars = [];
  for (const [a, b] of all) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b); else out.push([a, b]);
  }
  return out;
}

function complement(s: Chars): Chars {
  const out: Chars = [];
  let next = 0;
  for (const [a, b] of union(s)) { if (a > next) out.push([next, a - 1]); next = b + 1; }
  if (next <= MAXC) out.push([next, MAXC]);
  return out;
}

function intersect(x: Chars, y: Chars): Chars {
  const out: Chars = [];
  for (const [a, b] of x) for (const [c, d] of y) if (Math.max(a, c) <= Math.min(b, d)) out.push([Math.max(a, c), Math.min(b, d)]);
  return union(out);
}

const DIGIT = range('0', '9');
const WORD = union(DIGIT, range('A', 'Z'), range('a', 'z'), range('_'));
const SPACE = union(range(' '), range('\t', '\r'), [[0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]]);
const DOT = complement(union(range('\n'), range('\r'), [[0x2028, 0x2029]]));
const ESCAPES: Record<string, Chars> = { d: DIGIT, D: complement(DIGIT), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE), t: range('\t'), n: range('\n'), r: range('\r'), f: range('\f'), v: range('\v') };

/** A quantifier, read where an atom ends (sticky: no copy of the rest of the source). */
const QUANTIFIER = /(?:\*|\+|\?|\{(\d+)(,(\d*))?\})\??/y;

/** Parse the JS regex subset into a tree; throws on anything else. */
export function parse(src: string): Node {
  let i = 0;
  // One escaped character (after the backslash): a class or a single code unit.
  const escape = (): Chars => {
    const c = src[i++];
    if (ESCAPES[c]) return ESCAPES[c];
    if (c === 'x') { i += 2; return [[parseInt(src.slice(i - 2, i), 16), parseInt(src.slice(i - 2, i), 16)]]; }
    if (c === 'u') { i += 4; return [[parseInt(src.slice(i - 4, i), 16), parseInt(src.slice(i - 4, i), 16)]]; }
    return range(c);
  };
  const bracket = (): Chars => {
    const negate = src[i] === '^';
    if (negate) i++;
    const parts: Chars[] = [];
    let first = true;
    while (src[i] !== ']' || first) {
      first = false;
      if (i >= src.length) throw new Error('unterminated class');
      const lo = src[i] === '\\' ? (i++, escape()) : range(src[i++]);
      if (src[i] === '-' && src[i + 1] !== ']' && lo.length === 1 && lo[0][0] === lo[0][1]) {
        i++;
        const hi = src[i] === '\\' ? (i++, escape()) : range(src[i++]);
        parts.push([[lo[0][0], hi[0][1]]]);
      } else parts.push(lo);
    }
    i++;
    const set = union(...parts);
    return negate ? complement(set) : set;
  };
  const atom = (): Node => {
    const c = src[i++];
    if (c === '(') {
      if (src[i] === '?') { if (src[i + 1] !== ':') throw new Error('lookaround'); i += 2; }
      const n = alternation();
      if (src[i++] !== ')') throw new Error('unbalanced');
      return n;
    }
    if (c === '[') return { k: 'char', set: bracket() };
    if (c === '.') return { k: 'char', set: DOT };
    if (c === '^' || c === '$') return { k: 'assert' };
    if (c === '\\') {
      if (src[i] === 'b' || src[i] === 'B') { i++; return { k: 'assert' }; }
      return { k: 'char', set: escape() };
    }
    return { k: 'char', set: range(c) };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const from = i;
      let n = atom();
      for (;;) {
        QUANTIFIER.lastIndex = i;
        const q = QUANTIFIER.exec(src);
        if (!q) break;
        i += q[0].length;
        const [min, max] = q[0][0] === '*' ? [0, Infinity] : q[0][0] === '+' ? [1, Infinity] : q[0][0] === '?' ? [0, 1]
          : [Number(q[1]), q[2] === undefined ? Number(q[1]) : q[3] === '' ? Infinity : Number(q[3])];
        n = { k: 'rep', body: n, min, max, src: src.slice(from, i) };
      }
      items.push(n);
    }
    return { k: 'seq', items };
  };
  const alternation = (): Node => {
    const alts = [sequence()];
    while (src[i] === '|') { i++; alts.push(sequence()); }
    return alts.length === 1 ? alts[0] : { k: 'alt', alts };
  };
  const root = alternation();
  if (i !== src.length) throw new Error('unbalanced');
  return root;
}

const nullable = (n: Node): boolean => n.k === 'assert' || (n.k === 'seq' ? n.items.every(nullable) : n.k === 'alt' ? n.alts.some(nullable) : n.k === 'rep' ? n.min === 0 || nullable(n.body) : false);

/** Every character a node may consume. */
const chars = (n: Node): Chars => n.k === 'char' ? n.set : n.k === 'seq' ? union(...n.items.map(chars)) : n.k === 'alt' ? union(...n.alts.map(chars)) : n.k === 'rep' ? chars(n.body) : [];

/** The characters a node's text may start with. */
function first(n: Node): Chars {
  if (n.k === 'char') return n.set;
  if (n.k === 'alt') return union(...n.alts.map(first));
  if (n.k === 'rep') return first(n.body);
  if (n.k === 'assert') return [];
  const out: Chars[] = [];
  for (const item of n.items) { out.push(first(item)); if (!nullable(item)) break; }
  return union(...out);
}

/** Whether a node can match some text made only of the characters in `s` (the empty text counts). */
const spells = (n: Node, s: Chars): boolean => n.k === 'char' ? intersect(n.set, s).length > 0 : n.k === 'seq' ? n.items.every((x) => spells(x, s)) : n.k === 'alt' ? n.alts.some((x) => spells(x, s)) : n.k === 'rep' ? n.min === 0 || spells(n.body, s) : true;

/** A sequence with its plain (unrepeated, single-branch) groups opened. */
const flatten = (n: Node): Node[] => n.k === 'seq' ? n.items.flatMap(flatten) : [n];

/** A repeat as the rule author wrote it (groups never capture in an ERE). */
const show = (n: Node): string => n.k === 'rep' ? n.src.replaceAll('(?:', '(') : '';

/** Every node of a tree. */
const nodes = (n: Node): Node[] => [n, ...(n.k === 'seq' ? n.items.flatMap(nodes) : n.k === 'alt' ? n.alts.flatMap(nodes) : n.k === 'rep' ? nodes(n.body) : [])];

// A repeat inside `n` that can give text to what follows it (`follow`: the characters that may come next).
function ambiguousInside(n: Node, follow: Chars): string | undefined {
  if (n.k === 'rep') {
    if (n.max > n.min && intersect(chars(n.body), follow).length > 0) return show(n);
    return ambiguousInside(n.body, n.max > 1 ? union(follow, first(n.body)) : follow);
  }
  if (n.k === 'alt') { for (const a of n.alts) { const r = ambiguousInside(a, follow); if (r) return r; } return undefined; }
  if (n.k !== 'seq') return undefined;
  for (let j = 0; j < n.items.length; j++) {
    const rest: Node = { k: 'seq', items: n.items.slice(j + 1) };
    const r = ambiguousInside(n.items[j], nullable(rest) ? union(first(rest), follow) : first(rest));
    if (r) return r;
  }
  return undefined;
}

/** Why a JS regex source backtracks more than linearly on some line, or undefined when its shape is safe. */
export function findBacktracking(source: string): string | undefined {
  let root: Node;
  try { root = parse(source); } catch { return undefined; }
  for (const n of nodes(root)) {
    if (n.k !== 'rep' || n.max <= 1) continue;
    const inner = ambiguousInside(n.body, first(n.body));
    if (inner) return `${inner} inside the repeated ${show(n)} can split the same text many ways (exponential)`;
  }
  for (const n of nodes(root)) {
    if (n.k !== 'seq' && n !== root) continue;
    const items = flatten(n);
    const unbounded = items.map((x, j) => x.k === 'rep' && x.max === Infinity ? j : -1).filter((j) => j >= 0);
    for (const a of unbounded) {
      for (const b of unbounded) {
        if (b <= a) continue;
        const shared = intersect(chars(items[a]), chars(items[b]));
        if (shared.length > 0 && items.slice(a + 1, b).every((x) => spells(x, shared))) return `${show(items[a])} and ${show(items[b])} can take the same text, and every split between them is tried (polynomial)`;
      }
    }
  }
  return undefined;
}

/**
 * A test for the first UTF-16 code unit of a match (NaN: the end of the line), or undefined
 * when any position may start one (the pattern can match the empty text).
 */
export function firstCharTest(source: string): ((code: number) => boolean) | undefined {
  let root: Node;
  try { root = parse(source); } catch { return undefined; }
  if (nullable(root)) return undefined;
  const set = first(root);
  const ascii = new Uint8Array(128);
  for (const [a, b] of set) for (let c = a; c <= Math.min(b, 127); c++) ascii[c] = 1;
  return (code) => code < 128 ? ascii[code] === 1 : set.some(([a, b]) => code >= a && code <= b);
}

/** A cap on the strings prefixesOf keeps: a set that would grow past it stops growing there. */
const MAX_PREFIXES = 16;
/** A class of at most this many characters is spelled out as that many prefixes (`[Bb]ad`). */
const MAX_CLASS = 4;

// The texts a node's match can start with: `open` ones are the node's whole text (what
// follows extends them), `closed` ones only begin it.
interface Starts { open: string[]; closed: string[] }

const size = (x: Starts): number => x.open.length + x.closed.length;

function starts(n: Node): Starts {
  if (n.k === 'assert') return { open: [''], closed: [] };
  if (n.k === 'char') {
    const count = n.set.reduce((sum, [a, b]) => sum + b - a + 1, 0);
    if (count > MAX_CLASS) return { open: [], closed: [''] };
    const open: string[] = [];
    for (const [a, b] of n.set) for (let c = a; c <= b; c++) open.push(String.fromCharCode(c));
    return { open, closed: [] };
  }
  if (n.k === 'alt') {
    const parts = n.alts.map(starts);
    const out = { open: [...new Set(parts.flatMap((p) => p.open))], closed: [...new Set(parts.flatMap((p) => p.closed))] };
    return size(out) > MAX_PREFIXES ? { open: [], closed: [''] } : out;
  }
  if (n.k === 'rep') {
    const body = starts(n.body);
    if (n.min === 1 && n.max === 1) return body;
    if (n.min === 0 && n.max === 1) return { open: [...new Set(['', ...body.open])], closed: body.closed };
    const once = [...new Set([...body.open, ...body.closed])];
    return n.min === 0 ? { open: [''], closed: once } : { open: [], closed: once };
  }
  let cur: Starts = { open: [''], closed: [] };
  for (const item of n.items) {
    if (cur.open.length === 0) break;
    const next = starts(item);
    const open = [...new Set(cur.open.flatMap((t) => next.open.map((u) => t + u)))];
    const closed = [...new Set([...cur.closed, ...cur.open.flatMap((t) => next.closed.map((u) => t + u))])];
    if (open.length + closed.length > MAX_PREFIXES) return { open: [], closed: [...new Set([...cur.closed, ...cur.open])] };
    cur = { open, closed };
  }
  return cur;
}

/**
 * Texts one of which every match of a JS regex source starts with, or undefined when a match
 * may start with anything (a leading `.*`, a wide class, the empty text). `: (error: )?PAM`
 * gives `: error: PAM` and `: PAM`. A cheap necessary condition: the ladder (ladder.ts) tries
 * a pattern only where one of them stands.
 */
export function prefixesOf(source: string): string[] | undefined {
  let root: Node;
  try { root = parse(source); } catch { return undefined; }
  const { open, closed } = starts(root);
  const texts = [...new Set([...open, ...closed])];
  if (texts.some((t) => t === '')) return undefined;
  // A text that begins with another is no further condition.
  return texts.filter((t) => !texts.some((u) => u !== t && t.startsWith(u)));
}

/** A text as a regex source that matches it literally. */
export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
