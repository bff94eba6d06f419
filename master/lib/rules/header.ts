// Where the service's own words start in a log line. Everything before is written by the
// system logger and the service (time stamp, host, program[pid]:, Exim's own time stamp),
// never by a client; everything after may hold text a client chose (user names, banners,
// HELO, envelope addresses). Patterns of superflous_map, the rules and peer_map count only
// where their match starts at or before this position, so text planted in the message can
// neither fake a match nor name an address.

/** Syslog time stamps: BSD (`Nov  1 00:00:00`, journalctl's `.123456`) and RFC 3339. */
const STAMP = '(?:[A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)';
/** The syslog tag: a program name (postfix/smtpd, sshd-session) with an optional [pid]. */
const TAG = '[^ :[\\]]+(?:\\[[0-9]+\\])?:';
/** A service's own time stamp at the head of its message (Exim: `2026-11-01 00:00:00.123 +0100 [pid] `). */
const OWN = '(?:[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?: [+-][0-9]{4})?(?: \\[[0-9]+\\])? )';
const HEADER = new RegExp(`^(?:(?:<[0-9]{1,3}>)?${STAMP} [^ ]+ ${TAG} ?)?${OWN}?`);

/** Offset of the first character of the message in a log line (0 for a line without a header). */
export function findMessageStart(line: string): number {
  return HEADER.exec(line)![0].length;
}

/** Whether a literal pattern occurs starting at or before `at` (bash's "$Pattern", anchored). */
export function includesAnchored(line: string, pattern: string, at: number): boolean {
  return line.lastIndexOf(pattern, at) >= 0;
}

// The literal text every match of a pattern must contain, found once per pattern.
const required = new WeakMap<RegExp, string>();

/**
 * The longest run of literal text that every match of a JS regex source must contain ('' when
 * none is certain: top-level alternation, or only classes and groups). Used as a cheap
 * `includes` test before the regex runs, so lines that cannot match never reach the engine.
 */
export function requiredLiteral(source: string): string {
  let best = '';
  let run = '';
  const end = (): void => { if (run.length > best.length) best = run; run = ''; };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '|') return '';
    let lit: string | undefined;
    let len = 1;
    if (c === '\\') {
      if (next !== undefined && /[^A-Za-z0-9]/.test(next)) lit = next;
      len = 2;
    } else if (c === '(' || c === '[') {
      // Skip the group or class whole: what it holds is not certain.
      let depth = 0;
      let j = i;
      for (; j < source.length; j++) {
        const d = source[j];
        if (d === '\\') { j++; continue; }
        if (c === '[') { if (d === ']' && j > i + 1 && !(j === i + 2 && source[i + 1] === '^')) break; continue; }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      len = j - i + 1;
    } else if (!'.^$*+?{}'.includes(c)) lit = c;
    const q = source[i + len];
    i += len - 1;
    if (lit === undefined || q === '*' || q === '?' || q === '{') { end(); continue; }
    run += lit;
    if (q === '+') end();
  }
  end();
  return best;
}

/** The leftmost match of a regex when it starts at or before `at`, else null. */
export function execAnchored(regex: RegExp, line: string, at: number): RegExpExecArray | null {
  let lit = required.get(regex);
  if (lit === undefined) required.set(regex, (lit = regex.flags.includes('i') ? '' : requiredLiteral(regex.source)));
  if (lit !== '' && !line.includes(lit)) return null;
  regex.lastIndex = 0;
  const m = regex.exec(line);
  return m !== null && m.index <= at ? m : null;
}
