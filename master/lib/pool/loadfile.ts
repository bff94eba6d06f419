// The Loadfile format: `add <set> <address-or-cidr> [timeout <s>] [comment "<text>"]`, '#' comments.
import { parseNet, type Family, type Net } from '../net/address.js';
import type { NetMatcher } from '../net/netmatch.js';
import { formatIPv4, isMappedGroups, maskV4, maskV6, parseIPv4, readGroupsValue, readHexGroups } from '../net/ip.js';
import { netOf } from '../net/address.js';
import { isSetName, setInfo, type Entry, type SetInfo } from '../firewall/types.js';
import { entryRefusal, MAX_TIMEOUT } from '../firewall/entries.js';
import type { SourceIdentity } from './sources.js';

/** A line that was not loaded, and why. */
export interface LineProblem { file: string; line: number; text: string; reason: string }

const LINE = /^[ \t]*add[ \t]+(\S+)[ \t]+(\S+)(?:[ \t]+timeout[ \t]+(\S+))?(?:[ \t]+comment[ \t]+"([^"]*)")?[ \t]*(?:#.*)?$/;
const SKIP = /^[ \t]*(?:#|$)/;

// Set names seen so far and what they are (null: not a valid name); a pool names few sets.
const SETS = new Map<string, SetInfo | null>();
let lastSet = '';
let lastInfo: SetInfo | null = null;
function infoOf(set: string): SetInfo | null {
  // Lines of a Loadfile mostly name the set of the line before.
  if (set === lastSet) return lastInfo;
  let info = SETS.get(set);
  if (info === undefined) SETS.set(set, (info = isSetName(set) ? setInfo(set) : null));
  lastSet = set;
  lastInfo = info;
  return info;
}

/** Parse one line: an Entry, a reason string when it is bad, or undefined for blank and comment lines. */
export function parseLoadfileLine(text: string): Entry | string | undefined {
  const r = parseLine(text);
  return typeof r === 'object' ? r[0] : r;
}

// The fast path: `add <set> <address>` with single blanks and nothing after (most lines of a pool).
function parseLine(text: string): [Entry, Net] | string | undefined {
  if (text.startsWith('add ')) {
    const sp = text.indexOf(' ', 4);
    if (sp > 4 && sp < text.length - 1 && text.indexOf(' ', sp + 1) < 0 && text.indexOf('\t') < 0) {
      const set = text.slice(4, sp);
      if (!infoOf(set)) return `'${set}' is not a valid set name`;
      const addr = text.slice(sp + 1);
      const net = parseNetFast(addr);
      if (!net) return `'${addr}' is not an IPv4/IPv6 address or CIDR`;
      const e = checkEntry(set, net, undefined, undefined);
      return typeof e === 'string' ? e : [e, net];
    }
  }
  return parseLineSlow(text);
}

/** parseNet with a fast path for IPv4 and plain IPv6: the input text is kept when it is already canonical. */
export function parseNetFast(s: string): Net | undefined {
  const slash = s.indexOf('/');
  const v = parseIPv4(s, false, slash < 0 ? s.length : slash);
  if (v === undefined) return s.indexOf(':') < 0 ? parseNet(s) : parseNet6Fast(s, slash) ?? parseNet(s);
  if (slash < 0) return { family: 4, base: v, prefix: 32, text: s };
  const digits = s.length - slash - 1;
  const prefix = readPrefix(s, slash);
  if (prefix === undefined || prefix > 32) return undefined;
  const base = (v & maskV4(prefix)) >>> 0;
  if (prefix === 32) return { family: 4, base, prefix, text: s.slice(0, slash) };
  const text = base === v && digits === (prefix < 10 ? 1 : 2) ? s : `${formatIPv4(base)}/${prefix}`;
  return { family: 4, base, prefix, text };
}

// The prefix length after the slash: one to three digits (parseNet's rule), else undefined.
function readPrefix(s: string, slash: number): number | undefined {
  const digits = s.length - slash - 1;
  if (digits < 1 || digits > 3) return undefined;
  let prefix = 0;
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    prefix = prefix * 10 + c;
  }
  return prefix;
}

// An IPv6 network of hex groups read without regex or split; undefined where parseNet must judge (other forms, IPv4-mapped, bad prefix).
function parseNet6Fast(s: string, slash: number): Net | undefined {
  const end = slash < 0 ? s.length : slash;
  if (end > 45) return undefined;
  const form = readHexGroups(s, 0, end);
  if (form < 0 || isMappedGroups()) return undefined;
  const prefix = slash < 0 ? 128 : readPrefix(s, slash);
  if (prefix === undefined || prefix > 128) return undefined;
  const v = readGroupsValue();
  const base = v & maskV6(prefix);
  if (form === 0 || base !== v || (slash >= 0 && s.length - slash - 1 !== String(prefix).length)) return netOf(6, v, prefix);
  return { family: 6, base, prefix, text: prefix === 128 ? (slash < 0 ? s : s.slice(0, slash)) : s };
}

function parseLineSlow(text: string): [Entry, Net] | string | undefined {
  if (SKIP.test(text)) return undefined;
  const m = LINE.exec(text);
  if (!m) return explain(text);
  const [, set, addr, timeout, comment] = m;
  if (!infoOf(set)) return `'${set}' is not a valid set name`;
  const net = parseNet(addr);
  if (!net) return `'${addr}' is not an IPv4/IPv6 address or CIDR`;
  const e = checkEntry(set, net, timeout, comment);
  return typeof e === 'string' ? e : [e, net];
}

function checkEntry(set: string, net: Net, timeout: string | undefined, comment: string | undefined): Entry | string {
  const info = infoOf(set) as SetInfo;
  if (timeout !== undefined && !/^\d{1,7}$/.test(timeout)) return `timeout '${timeout}' is not a number of seconds (0..${MAX_TIMEOUT})`;
  const seconds = timeout === undefined ? undefined : Number(timeout);
  const refused = entryRefusal(info, net, seconds, comment);
  if (refused) return refused;
  const e: Entry = { set, net: net.text, family: net.family, base: net.family === 4 ? net.base as number : undefined };
  if (seconds !== undefined) e.timeout = seconds;
  if (comment !== undefined) e.comment = comment;
  return e;
}

// Why a line that does not have the shape of an add line is refused.
function explain(text: string): string {
  const words = text.trim().split(/[ \t]+/);
  if (words[0] !== 'add') return `not an add line ('${words[0].slice(0, 40)}'; only 'add <set> <address> [timeout N] [comment "..."]')`;
  if (words.length < 3) return 'add needs a set and an address';
  const net = parseNet(words[2]);
  if (!net) return `'${words[2].slice(0, 60)}' is not an IPv4/IPv6 address or CIDR`;
  return `unexpected '${words.slice(3).join(' ').slice(0, 60)}' (only timeout N and comment "..." may follow the address)`;
}

export interface ScanSink {
  /** A set the caller wants; entries of other sets are dropped before the address is parsed. */
  wants?: (set: string) => boolean;
  /** An entry to load, with its line number. */
  entry(e: Entry, line: number): void;
  problem(p: LineProblem): void;
  /** An entry that the whitelist or this machine's own addresses cover: not dropped. */
  spared?(p: LineProblem): void;
  /**
   * Entries of a DROP set (its kind 'net'), all of `family`, already checked and not spared (a
   * held Loadfile's screened run): from line `first` on, one a line. Without it they come to entry().
   */
  nets?(set: string, family: Family, nets: readonly string[], comments: readonly (string | undefined)[] | undefined, first: number): void;
  /** Called every few thousand lines so the caller can wait for the restore tool. */
  pause?(): Promise<void>;
}

/** Entries between two pauses: a restore tool's pipe (64 KiB) holds about as many lines. */
const PAUSE_EVERY = 2048;

const SET_WORD = /^[ \t]*add[ \t]+(\S+)/;

/**
 * Scan a Loadfile's text and hand each entry to the sink; CRLF endings are accepted. Entries of
 * DROP sets that `never` covers are spared (never blocked) instead of loaded.
 */
export async function scanLoadfile(text: string, file: string, sink: ScanSink, never?: NetMatcher): Promise<number> {
  let start = 0;
  let lineNo = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    lineNo++;
    if (sink.wants) {
      const m = SET_WORD.exec(line);
      if (m && !sink.wants(m[1])) continue;
    }
    const r = parseLine(line);
    if (r === undefined) continue;
    if (typeof r === 'string') { sink.problem({ file, line: lineNo, text: line, reason: r }); continue; }
    const [e, net] = r;
    if (isSpared(e, net, never)) { sink.spared?.({ file, line: lineNo, text: line, reason: spareReason(e) }); continue; }
    sink.entry(e, lineNo);
    if (++n % PAUSE_EVERY === 0 && sink.pause) await sink.pause();
  }
  return n;
}

// An entry of a DROP set that `never` covers is spared (never blocked) instead of loaded.
const isSpared = (e: Entry, net: Net, never: NetMatcher | undefined): boolean => !!never && infoOf(e.set)?.verdict === 'DROP' && never.covers(net);
const spareReason = (e: Entry): string => `${e.net} is whitelisted or this machine's own address: not dropped`;

/** A run of entries of one set in a held Loadfile, in file order: canonical addresses or networks. */
export interface HeldRun {
  set: string;
  nets: readonly string[];
  /** Each entry's comment, when any has one. */
  comments?: readonly (string | undefined)[];
  /** The family of every entry, when all are of one. */
  family?: Family;
}

/**
 * A Loadfile as its writer made it, still in memory (a dynloader's, just written): FillFW takes
 * these entries instead of reading and parsing the file again, as long as the file is the one
 * written (same inode, size and modification time).
 */
export interface HeldLoadfile {
  written: SourceIdentity;
  /** The add lines in file order, one a line from line `first` on: runs of entries of one set (the writer's own arrays, not copied). */
  first: number;
  runs: HeldRun[];
  /**
   * Set by a writer whose every entry passed the dynloaders' screen (screenEntries: no /0, a
   * comment ipset takes, nothing overlapping the networks never blocked): the NetMatcher key of
   * those networks. Read with the same ones, a DROP set's run of one family is handed on whole
   * (ScanSink.nets) without looking at each entry again.
   */
  screened?: string;
}

/**
 * scanLoadfile for a held Loadfile: the same checks, problems and spared entries, without its
 * text; runs already screened against the same networks go to the sink as they are.
 */
export async function scanHeld(held: HeldLoadfile, file: string, sink: ScanSink, never?: NetMatcher): Promise<number> {
  let n = 0;
  let line = held.first;
  const screened = held.screened !== undefined && held.screened === (never?.key ?? '');
  for (const { set, nets, comments, family } of held.runs) {
    if (sink.wants && !sink.wants(set)) { line += nets.length; continue; }
    const info = infoOf(set);
    if (screened && sink.nets && family !== undefined && info?.kind === 'net' && info.verdict === 'DROP') {
      for (let i = 0; i < nets.length; i += PAUSE_EVERY) {
        const end = Math.min(nets.length, i + PAUSE_EVERY);
        sink.nets(set, family, nets.slice(i, end), comments?.slice(i, end), line + i);
        n += end - i;
        if (sink.pause) await sink.pause();
      }
      line += nets.length;
      continue;
    }
    for (let i = 0; i < nets.length; i++, line++) {
      const comment = comments?.[i];
      const text = `add ${set} ${nets[i]}${comment === undefined ? '' : ` comment "${comment}"`}`;
      const net = parseNetFast(nets[i]);
      const e = !info ? `'${set}' is not a valid set name` : !net ? `'${nets[i]}' is not an IPv4/IPv6 address or CIDR` : checkEntry(set, net, undefined, comment);
      if (typeof e === 'string') { sink.problem({ file, line, text, reason: e }); continue; }
      if (isSpared(e, net!, never)) { sink.spared?.({ file, line, text: `add ${set} ${nets[i]}`, reason: spareReason(e) }); continue; }
      sink.entry(e, line);
      if (++n % PAUSE_EVERY === 0 && sink.pause) await sink.pause();
    }
  }
  return n;
}
