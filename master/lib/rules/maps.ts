// The two line maps beside the rules: superflous_map (noise to skip) and peer_map (where the
// service names its peer). One ERE a line, '#' comments; each map becomes one RegExp.
import { parseIPv4, readLogAddress } from '../net/address.js';
import { translateEre, repeatSource, EreError } from './ere.js';
import { compileLinear } from './linear.js';
import { findMessageStart } from './header.js';
import { execAnchored } from './anchor.js';
import { prefixesOf, escapeRegex } from './shape.js';
import { ShapeChecks, type RuleProblem } from './parse.js';

interface MapLine { line: number; source: string; ere: string }

// Translate every pattern line; bad lines become problems, patterns that backtrack warnings.
function readMap(text: string, file: string, problems: RuleProblem[], shapes: ShapeChecks, check?: (ere: string) => string | undefined): MapLine[] {
  const out: MapLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const ere = lines[i].replace(/\r$/, '').trim();
    if (ere === '' || ere.startsWith('#')) continue;
    const why = check?.(ere);
    if (why) { problems.push({ file, line: i + 1, message: why }); continue; }
    try {
      const source = translateEre(ere);
      shapes.add(compileLinear(source.replace('ADDR', ADDR)), file, i + 1);
      out.push({ line: i + 1, source, ere });
    } catch (e) {
      problems.push({ file, line: i + 1, message: e instanceof EreError ? e.message : `invalid regex ${JSON.stringify(ere)}: ${(e as Error).message}` });
    }
  }
  return out;
}

/**
 * superflous_map: its noise patterns, each a regex (the ladder's first steps, ladder.ts), and
 * all of them as one (undefined when the map is empty).
 */
export function parseSuperflousMap(text: string, file: string): { regex?: RegExp; regexes: RegExp[]; count: number; problems: RuleProblem[]; readonly warnings: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const shapes = new ShapeChecks();
  const lines = readMap(text, file, problems, shapes);
  const regex = lines.length ? compileLinear(lines.map((l) => `(?:${l.source})`).join('|')) : undefined;
  return { regex, regexes: lines.map((l) => compileLinear(l.source)), count: lines.length, problems, get warnings() { return shapes.warnings; } };
}

/** The text an ADDR placeholder of peer_map stands for (for the shape check of a pattern). */
const ADDR = `(${repeatSource('[0-9A-Fa-f:.]', 2, 45)})`;
/** What stands for the candidate address while a line is checked with it (never in a log line). */
const MARK = '\u0000';
/** An IPv6 zone after a run: `%eth0`, `%eth0.100`, `%2`. */
const ZONE = /%[0-9A-Za-z_-]+(?:\.[0-9A-Za-z_-]+)*/y;
/** A port or a sentence's final '.'/':' after an address: both readings are candidates. */
const TAIL = /(:[0-9]+|[.:])$/;
/** A port joined to an address by '-' and ended by ';' (sshd's `Remote: 127.0.0.1-1780;`). */
const DASH_PORT = /-[0-9]{1,5};/y;
/** Distinct addresses tried where the service writes its peer; a line with more is ambiguous. */
export const MAX_CANDIDATES = 8;

// Character classes of the word scanner (char codes): address characters and word characters.
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isAddrChar = (c: number): boolean => isHex(c) || c === 58 || c === 46;
/** Whether a '.' or ':' stands in a line from `from` on outside [start, end) (every address word has one). */
function punctuationOutside(line: string, from: number, start: number, end: number): boolean {
  const dot = line.indexOf('.', from);
  const colon = line.indexOf(':', from);
  return (dot >= 0 && dot < start) || (colon >= 0 && colon < start) || line.indexOf('.', end) >= 0 || line.indexOf(':', end) >= 0;
}
const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

// readLogAddress of a word; a strict dotted quad, the common case, is its own canonical text.
const readAddressWord = (text: string): string | undefined => parseIPv4(text) !== undefined ? text : readLogAddress(text);

/** Whether a word may be an address: three dots (IPv4) or two colons or more (IPv6, `::ffff:a.b.c.d`); a cheap test before parsing it. */
function mayBeAddress(text: string): boolean {
  let dots = 0;
  let colons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c === 37) break; // an IPv6 zone
  }
  return colons >= 2 || (colons === 0 && dots === 3);
}

/** Two or more addresses stand where the service writes its peer: the line cannot say which. */
export interface Ambiguous { ambiguous: string[] }

/** The peer of a line: its address, an ambiguity, or undefined when the service names none. */
export type Peer = string | Ambiguous | undefined;

/** Finds the attacker's address in a line (`at`: where its message starts). */
export type PeerFinder = (line: string, at?: number) => Peer;

/** An address word of a line: where it stands and its canonical address. */
export interface AddressWord { start: number; end: number; address: string }

/**
 * The addresses of a line from `at` on that are whole words, where each stands and its
 * canonical text (net/address.ts readLogAddress): IPv4 or IPv6, an IPv6 zone with or without
 * it (`fe80::1%eth0`), leading zeros read as decimal, also before `:port` or a final `.`/`:`
 * of the sentence (both readings are candidates: the pattern decides which fits). Brackets
 * and angle brackets around (`[ADDR]:PORT`, dropbear's `<ADDR:PORT>`) are not part of the
 * word: the pattern spells them. Never a part of a longer word: `10.1.1.1-x.evil.example`,
 * `x10.1.1.1` and `10.1.1.1.evil.example` (PTR names an attacker chooses) hold no address.
 */
export function findAddressWords(line: string, at: number): AddressWord[] {
  const out: AddressWord[] = [];
  const add = (start: number, text: string): void => {
    if (!mayBeAddress(text)) return;
    const address = readAddressWord(text);
    if (address !== undefined) out.push({ start, end: start + text.length, address });
  };
  // A hand-written scan of the runs of address characters that hold a '.' or ':' (from one
  // such character, found by indexOf, out to both ends of its run), whole words only. A run
  // whose dots and colons no reading could make an address of (three dots, or two colons or
  // more) is passed over.
  const n = line.length;
  let dot = line.indexOf('.', at);
  let colon = line.indexOf(':', at);
  let from = at;
  while (dot >= 0 || colon >= 0) {
    const p = dot < 0 ? colon : colon < 0 ? dot : Math.min(dot, colon);
    let start = p;
    while (start > from && isAddrChar(line.charCodeAt(start - 1))) start--;
    let i = p;
    let dots = 0;
    let colons = 0;
    for (; i < n; i++) {
      const c = line.charCodeAt(i);
      if (c === 46) dots++;
      else if (c === 58) colons++;
      else if (!isHex(c)) break;
    }
    from = i;
    if (dot >= 0 && dot < i) dot = line.indexOf('.', i);
    if (colon >= 0 && colon < i) colon = line.indexOf(':', i);
    if (i - start < 2 || (start > 0 && isWordChar(line.charCodeAt(start - 1)))) continue;
    // The run, its zone, or the run less a final ':PORT', ':' or '.' (TAIL): mayBeAddress needs these counts.
    if (colons < 2 && dots !== 3 && !(dots === 4 && colons === 0)) continue;
    const run = line.slice(start, i);
    if (colons > 0) {
      ZONE.lastIndex = i;
      const zone = ZONE.exec(line);
      if (zone !== null && !isWordChar(line.charCodeAt(ZONE.lastIndex))) add(start, run + zone[0]);
    }
    if (i < n && line.charCodeAt(i) === 45) {
      // sshd's `Remote: ADDR-PORT;` (its `SSH: Server;...` lines): the run before `-PORT;` is a word.
      DASH_PORT.lastIndex = i;
      if (DASH_PORT.test(line)) add(start, run);
      continue;
    }
    if (i < n && isWordChar(line.charCodeAt(i))) continue;
    const tail = TAIL.exec(run);
    add(start, run);
    if (tail) add(start, run.slice(0, tail.index));
  }
  return out;
}

/**
 * The peer_map alternation's match where it starts at or before `at`, the common way: where
 * the first text any pattern begins with stands right at the message start (nothing of the
 * header could begin a match), only the patterns that can begin with its first character are
 * tried, there, each with its one group. undefined (look the whole way) where such a text
 * stands in the header, or when a pattern may begin with anything.
 */
function matcherAtMessage(sources: string[]): ((line: string, at: number) => RegExpExecArray | null | undefined) | undefined {
  const prefixes = sources.map((s) => prefixesOf(s));
  if (prefixes.some((p) => p === undefined)) return undefined;
  const any = compileLinear([...new Set(prefixes.flat() as string[])].map(escapeRegex).join('|'));
  const byChar = new Map<number, RegExp | null>();
  const forChar = (c: number): RegExp | null => {
    let r = byChar.get(c);
    if (r === undefined) {
      const fit = sources.filter((_, i) => prefixes[i]!.some((p) => p.charCodeAt(0) === c));
      byChar.set(c, r = fit.length ? new RegExp(fit.join('|'), 'y') : null);
    }
    return r;
  };
  return (line, at) => {
    const first = line.search(any);
    if (first < 0 || first > at) return null;
    if (first < at) return undefined;
    const r = forChar(line.charCodeAt(at));
    if (r === null) return null;
    r.lastIndex = at;
    return r.exec(line);
  };
}

/**
 * peer_map: each line is an ERE with one ADDR where the service writes its peer, starting
 * with the fixed words of the message (or the program name before them). All lines become
 * one alternation; a match counts only when it starts at or before the start of the message
 * (header.ts), so a line whose message a client wrote (a banner, a user name) names no peer.
 * An address is a whole word. Every address word of the line is tried in ADDR's place: when
 * more than one distinct address fits (a user name, key ID or auth info that spells
 * `from ADDR port N` of its own), the line is ambiguous and names no peer: a client can then
 * hide, but never make Watcher count someone else.
 */
export function parsePeerMap(text: string, file: string, opts: { wholeLine?: boolean } = {}): { find: PeerFinder; count: number; problems: RuleProblem[]; readonly warnings: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const shapes = new ShapeChecks();
  const lines = readMap(text, file, problems, shapes, (ere) => {
    const n = ere.split('ADDR').length - 1;
    return n === 1 ? undefined : `a peer_map line needs exactly one ADDR where the address stands (found ${n}): ${JSON.stringify(ere)}`;
  });
  if (lines.length === 0) return { find: () => undefined, count: 0, problems, get warnings() { return shapes.warnings; } };
  const marked = compileLinear(lines.map((l) => `(?:${l.source.replace('ADDR', MARK)})`).join('|'));
  const sources = lines.map((l) => `(?:${l.source.replace('ADDR', '([0-9A-Fa-f:.]+)')})`);
  const located = compileLinear(sources.join('|'));
  // Made at the first line (each map file is also parsed alone, only for its problems).
  let atMessage: ReturnType<typeof matcherAtMessage> | null = opts.wholeLine ? undefined : null;
  // The common case in one exec: the message holds one address word, where the pattern puts
  // the peer. Every '.' and ':' of the message lies in that word, so no other word could be an
  // address (each has one). Anything else (two addresses, a zone, a port, a sentence's final
  // dot) takes the full path: each address word tried in ADDR's place, unless the message's
  // address words all name the one the pattern took.
  const find: PeerFinder = (line, at = findMessageStart(line)) => {
    if (atMessage === null) atMessage = matcherAtMessage(sources);
    const quick = atMessage?.(line, at);
    const m = quick === undefined ? execAnchored(located, line, at) : quick;
    if (m === null && !line.includes('%', at)) return undefined;
    let text: string | undefined;
    let taken: string | undefined;
    if (m !== null) {
      for (let g = 1; g < m.length && text === undefined; g++) text = m[g];
      const start = text === undefined ? -1 : line.indexOf(text, at);
      if (start >= 0 && !(start > 0 && isWordChar(line.charCodeAt(start - 1))) && !isWordChar(line.charCodeAt(start + text!.length))) {
        taken = readAddressWord(text!);
        if (taken !== undefined && !punctuationOutside(line, at, start, start + text!.length)) return taken;
      }
    }
    const words = findAddressWords(line, at);
    if (words.length === 0) return undefined;
    if (taken !== undefined && words.every((w) => w.address === taken) && words.some((w) => w.end - w.start === text!.length && line.startsWith(text!, w.start))) return taken;
    const distinct = [...new Set(words.map((w) => w.address))];
    if (distinct.length > MAX_CANDIDATES) return { ambiguous: distinct.slice(0, MAX_CANDIDATES) };
    const fits = new Set<string>();
    for (const w of words) {
      if (!fits.has(w.address) && execAnchored(marked, line.slice(0, w.start) + MARK + line.slice(w.end), at)) fits.add(w.address);
    }
    if (fits.size <= 1) return fits.values().next().value;
    return { ambiguous: [...fits] };
  };
  return { find, count: lines.length, problems, get warnings() { return shapes.warnings; } };
}
