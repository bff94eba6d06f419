// Neighbouring patterns that begin with the same long text, `[:] [^[ ][^ ]* [^ ]+ [^"]*"[A-Z]+
// [^ "]*` of WatchWB's access rules, as one alternation that reads that text once:
// `head(?:rest()|rest())`, an empty group after each pattern telling which matched. Inside such a
// run the engine takes whichever pattern fits first as it backtracks, not the first in ladder
// order: the ladder asks again for the patterns of the run before the one that matched, until
// none does (ladder.ts). Between runs the alternation keeps its order.

/** A shared beginning shorter than this is not worth a second exec where a later pattern matched. */
const MIN_HEAD = 16;

/** An alternation of parts written with their shared heads, and which part each run holds. */
export interface Factored { source: string; runs: number[] }

/**
 * The alternation of the parts, each followed by `()` (group k+1 tells part k matched); `runs[k]`
 * is the index of the first part of k's run (k itself when alone): parts of one run are not in
 * ladder order.
 */
export function factorParts(sources: string[]): Factored {
  const runs: number[] = [];
  const pieces: string[] = [];
  for (let i = 0; i < sources.length;) {
    let j = i + 1;
    let head = cuts(sources[i]).size ? sources[i] : '';
    while (head !== '' && j < sources.length) {
      const shared = commonCut(head, sources[j]);
      if (shared < MIN_HEAD) break;
      head = head.slice(0, shared);
      j++;
    }
    for (let k = i; k < j; k++) runs.push(i);
    pieces.push(j - i < 2 ? `(?:${sources[i]})()` : `(?:${nest(sources.slice(i, j))})`);
    i = j;
  }
  return { source: pieces.join('|'), runs };
}

// Sources of one run written as a tree of their shared beginnings, each ending in `()`.
function nest(sources: string[]): string {
  if (sources.length === 1) return `${sources[0]}()`;
  let head = sources[0];
  for (const s of sources.slice(1)) head = head.slice(0, commonCut(head, s));
  const rests = sources.map((s) => s.slice(head.length));
  const out: string[] = [];
  for (let i = 0; i < rests.length;) {
    let j = i + 1;
    let sub = rests[i];
    while (sub !== '' && j < rests.length && cuts(sub).size && commonCut(sub, rests[j]) > 0) { sub = sub.slice(0, commonCut(sub, rests[j])); j++; }
    out.push(j - i < 2 ? `${rests[i]}()` : nest(rests.slice(i, j)));
    i = j;
  }
  return `${head}(?:${out.join('|')})`;
}

/** The longest common beginning of two sources that ends where both can be cut in two sequences. */
export function commonCut(a: string, b: string): number {
  const ca = cuts(a);
  const cb = cuts(b);
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  for (; k > 0; k--) if (ca.has(k) && cb.has(k)) return k;
  return 0;
}

/**
 * Where a regex source can be cut into two sequences: at the top level, outside a class or an
 * escape, not before a quantifier; none when it has a top-level alternation.
 */
export function cuts(src: string): Set<number> {
  const out = new Set<number>();
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (depth === 0 && !inClass && i > 0 && !'*+?{'.includes(c)) out.add(i);
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return new Set();
  }
  out.add(src.length);
  return out;
}
