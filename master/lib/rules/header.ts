// Where the service's own words start in a log line. Everything before is written by the
// system logger and the service (time stamp, host, program[pid]:, Exim's own time stamp),
// never by a client; everything after may hold text a client chose (user names, banners,
// HELO, envelope addresses). Patterns of superflous_map, the rules and peer_map count only
// where their match starts at or before this position, so text planted in the message can
// neither fake a match nor name an address. The rules see every header form in the classic
// shape `STAMP HOST program[pid]: message` (parseHeader), so `': Failed password'` matches
// after an RFC 5424 or a Solaris header too. Each regex here runs on every line: linear,
// and the common form (BSD stamp, host, tag) is the first alternative tried.
import { compileLinear } from './linear.js';

/** BSD (`Nov  1 00:00:00`, journalctl's short-precise `.123456`) and RFC 3339 / ISO 8601 (`T`, fractions, zone; journalctl's short-iso). */
const STAMP = '(?:[A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?|@[0-9a-f]{16}[0-9a-f]{8})';
/** A host name: no blank, no bracket, not ending in ':' (so a host-less line's tag is not taken for one). */
const HOST = '[^ [\\]]*[^ :[\\]]';
/** The syslog tag: a program name (postfix/smtpd, sshd-session, auth-worker(9)) with an optional [pid]. */
const PROG = '[^ :[\\]]+';
/** FreeBSD's `syslogd -v`: `<4.3>` or `<auth.info>` after the stamp. */
const VERBOSE = '(?:<[0-9a-z]+\\.[0-9a-z]+> )?';
/** Solaris and illumos: `[ID 800047 auth.info] ` after the tag, written by the logger. */
const SOLARIS_ID = '\\[ID [0-9]+ [^ \\]]+\\] ';
/** A syslog line whose stamp has a blank for `T` (`2019-10-22 03:39:17 mx1 exim[29786]: `): only with a [pid], so Exim's own log is not read as one. */
const SPACED = `[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?: ?(?:Z|[+-][0-9]{2}:?[0-9]{2}))? ${HOST} ${PROG}\\[[0-9]+\\]: ?`;
/**
 * A service's own time stamp at the head of its message (Exim: `2026-11-01 00:00:00.123 +0100
 * [pid] `), with Exim's message id after it when the line is about a message (`1qXyZa-000abc-Ab`
 * before 4.97, `1qXyZa-00000000abc-Abcd` since): Exim writes both, never a client.
 */
const OWN = '(?:[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?: [+-][0-9]{4})?(?: \\[[0-9]+\\])? (?:[0-9A-Za-z]{6}-[0-9A-Za-z]{6}(?:[0-9A-Za-z]{5})?-[0-9A-Za-z]{2}(?:[0-9A-Za-z]{2})? )?)';
/**
 * Group 1: the header up to a Solaris ID; group 2: the blank of a tag with a pid but no ':'
 * (rsyslog's legacy templates write `sshd[57916] Failed` for an RFC 5424 message); group 3: the ID.
 */
const SYSLOG = `((?:<[0-9]{1,3}>)?${STAMP} ${VERBOSE}(?:${HOST} )?${PROG}(?:\\[[0-9]+\\](?::|( ))|:) ?|${SPACED})(${SOLARIS_ID})?`;
const HEADER = compileLinear(`^(?:${SYSLOG})?${OWN}?`);
/** The common form alone (stamp, host, `prog[pid]:`), tried first: cheaper than HEADER, the same where it matches. */
const COMMON = compileLinear(`^(?:<[0-9]{1,3}>)?${STAMP} ${HOST} ${PROG}(?:\\[[0-9]+\\])?: ?${OWN}?`);
/** COMMON made sticky: test() leaves where the header ends in lastIndex, with no match array made for each line. */
const COMMON_AT = new RegExp(COMMON.source, 'y');

// Where the common form's header ends, or -1.
function commonEnd(line: string): number {
  COMMON_AT.lastIndex = 0;
  return COMMON_AT.test(line) ? COMMON_AT.lastIndex : -1;
}
/** Exim's own stamp where an RFC 5424 message starts. */
const OWN_AT = new RegExp(`${OWN}?`, 'y');
/**
 * RFC 5424: `<PRI>1 STAMP HOST APP PROCID MSGID SD MSG`; SD is `-` or `[id k="v"]...`, where a
 * quoted value may hold `]`, `\"` and `\\`. Groups: stamp, host, app, procid.
 */
const RFC5424 = compileLinear(`^<[0-9]{1,3}>1 ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})) ([^ ]+) ([^ ]+) ([^ ]+) [^ ]+ (?:-|(?:\\[[^\\]"]*(?:"(?:[^"\\\\]|\\\\.)*"[^\\]"]*)*\\])+)(?: +\\uFEFF?|$)`);
/** The tag with its pid, in the shapes of SYSLOG. */
const SESSION = compileLinear(`^(?:(?:<[0-9]{1,3}>)?${STAMP} ${VERBOSE}(?:${HOST} )?|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?: ?(?:Z|[+-][0-9]{2}:?[0-9]{2}))? ${HOST} )(${PROG}\\[[0-9]+\\]):`);

/**
 * A log line as the rules see it: its header in the classic shape, and where its message starts
 * there; `repeats` when the logger folded repeated lines into one (`message repeated N times: [
 * MSG]`, rsyslog's RepeatedMsgReduction): the line is MSG, seen N more times.
 */
export interface HeadedLine { line: string; at: number; repeats?: number }

/** rsyslog's fold of identical lines of one program[pid], right where the message starts: the logger's words, never a client's. */
const REPEATED = /message repeated ([0-9]{1,9}) times: \[ ?/y;

// The line with rsyslog's fold taken off (`... sshd[9]: MSG`), or the line as it is.
function unfold(h: HeadedLine): HeadedLine {
  const { line, at } = h;
  if (line.charCodeAt(at) !== 109 || !line.startsWith('message repeated ', at)) return h;
  REPEATED.lastIndex = at;
  const m = REPEATED.exec(line);
  if (m === null) return h;
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
  if (line.charCodeAt(end - 1) !== 93) return h;
  return { line: line.slice(0, at) + line.slice(REPEATED.lastIndex, end - 1), at, repeats: Number(m[1]) };
}

// An RFC 5424 line in the classic shape, or undefined when it is not one.
function reshapeRfc5424(line: string): HeadedLine | undefined {
  const m = RFC5424.exec(line);
  if (m === null) return undefined;
  const head = `${m[1]} ${m[2]} ${m[3]}${/^[0-9]+$/.test(m[4]) ? `[${m[4]}]` : ''}: `;
  const text = line.slice(m[0].length);
  const c = text.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return { line: head + text, at: head.length };
  OWN_AT.lastIndex = 0;
  return { line: head + text, at: head.length + OWN_AT.exec(text)![0].length };
}

/**
 * The line the rules see and where its message starts (0 for a line without a header Watcher
 * knows). An RFC 5424 header becomes `STAMP HOST APP[PROCID]: ` (its structured data and
 * MSGID dropped), a Solaris `[ID n facility.level] ` is dropped, rsyslog's `message repeated N
 * times: [ MSG]` becomes MSG with `repeats` N; every other line is the same string. The
 * message text is never changed.
 */
export function parseHeader(line: string): HeadedLine {
  const common = commonEnd(line);
  if (common >= 0 && line.charCodeAt(common) !== 91) return line.charCodeAt(common) === 109 ? unfold({ line, at: common }) : { line, at: common };
  return unfold(readHeader(line));
}

// parseHeader's reading of a line whose header is not the common form.
function readHeader(line: string): HeadedLine {
  if (line.charCodeAt(0) === 60) {
    const r = reshapeRfc5424(line);
    if (r !== undefined) return r;
  }
  const m = HEADER.exec(line)!;
  if (m[2] === undefined && m[3] === undefined) return { line, at: m[0].length };
  // The tag's ':' put back (its blank stays), the Solaris ID taken out.
  const colon = m[2] === undefined ? '' : ':';
  const tagEnd = colon ? line.lastIndexOf(']', m[1].length) + 1 : m[1].length;
  const id = m[3]?.length ?? 0;
  return { line: line.slice(0, tagEnd) + colon + line.slice(tagEnd, m[1].length) + line.slice(m[1].length + id), at: m[0].length - id + colon.length };
}

/** Offset of the first character of the message in the line as given (0 for a line without a header). */
export function findMessageStart(line: string): number {
  const common = commonEnd(line);
  if (common >= 0 && line.charCodeAt(common) !== 91) return common;
  if (line.charCodeAt(0) === 60) {
    const m = RFC5424.exec(line);
    if (m !== null) {
      OWN_AT.lastIndex = m[0].length;
      return m[0].length + OWN_AT.exec(line)![0].length;
    }
  }
  return HEADER.exec(line)![0].length;
}

/** The service's `program[pid]` in the header, which names one session of it; '' when the line has no pid. */
export function findSessionTag(line: string): string {
  return SESSION.exec(parseHeader(line).line)?.[1] ?? '';
}

const TAG = compileLinear(`^${PROG}(?:\\[[0-9]+\\])?$`);

/** Whether a text is a syslog tag, `program` or `program[pid]` (rules/Test --tag). */
export function isSyslogTag(text: string): boolean {
  return TAG.test(text);
}

/** The stamp rules/Test puts before a line without a header. */
const TEST_STAMP = 'Jan  1 00:00:00 ';
/** A journal export's `host prog[pid]: ` (or the tag alone) without a stamp. */
const TAGGED = compileLinear(`^(?:${HOST} )?${PROG}\\[[0-9]+\\]: `);

/**
 * rules/Test's reading of a line: one with a header Watcher knows as parseHeader reads it;
 * `host prog[pid]: ` or `prog[pid]: ` without a stamp (journal exports) with a stamp before it;
 * a bare message (`Failed password for root from ...`) with a whole header, `Jan  1 00:00:00
 * localhost TAG: `, so patterns written after the tag (`': Failed password'`) match it. Only
 * rules/Test does this: a module counts a line without a header as it is (a client may have
 * written it).
 */
export function headBareLine(line: string, tag: string): HeadedLine {
  const h = parseHeader(line);
  if (h.at > 0) return h;
  return parseHeader(TAGGED.test(line) ? TEST_STAMP + line : `${TEST_STAMP}localhost ${tag}: ${line}`);
}
