// web/: what WatchWB reads in a web server's lines beyond the rules. The instance tag each line
// ends with (this file), the instance register that WBinstance writes and an administrator
// edits (register), the peer behind a trusted reverse proxy (forwarded), WatchWB's line view
// (view) and the lines to paste into apache and nginx (snippets). It may import core/, net/
// and rules/ only.
//
// The instance tag: `[Instance: vhost:port]@type` at the very end of a line (LogFormat's
// `[Instance: %v:%p]@type`, nginx's `[Instance: $server_name:$server_port]@type`). Everything a
// client chose (request, referrer, user agent) stands before it, quoted and escaped by the web
// server, so the tag a line ends with is the server's.

/** An instance as a line names it. */
export interface InstanceTag { vhost: string; port: number; type: string }

const TAG = ' [Instance: ';
/** Where the vhost starts in a tag. */
export const TAG_LENGTH = TAG.length;
/** A vhost name as the servers write %v / $server_name: a host name, an address, `_` or `*`. */
export const VHOST = /^[A-Za-z0-9_*][A-Za-z0-9_.*-]{0,252}$|^\[[0-9A-Fa-f:.]+\]$/;
/** An instance type: a subdirectory of the rules, `generic` or `static`. */
export const TYPE = /^[a-z][a-z0-9_-]{0,31}$/;

/** The key an instance is counted and reported by. */
export const instanceKey = (vhost: string, port: number): string => `${vhost}:${port}`;

/** Whether `s` is a port number 1..65535 written plainly. */
export function isPort(s: string): boolean {
  return /^[1-9][0-9]{0,4}$/.test(s) && Number(s) <= 65535;
}

/** Where a line's text ends, trailing blanks and carriage returns left out. */
export function trimmedEnd(line: string): number {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 13)) end--;
  return end;
}

/** Where the last ` [Instance: ` of a line up to `end` starts (the tag it ends with, if any), or -1. */
export function findInstanceTag(line: string, end = trimmedEnd(line)): number {
  return line.lastIndexOf(TAG, end);
}

/** The instance tag a line ends with (trailing blanks allowed), or undefined. */
export function readInstanceTag(line: string): InstanceTag | undefined {
  const end = trimmedEnd(line);
  const at = findInstanceTag(line, end);
  if (at < 0) return undefined;
  const tail = line.slice(at + TAG.length, end);
  const close = tail.lastIndexOf(']@');
  if (close < 0) return undefined;
  const name = tail.slice(0, close);
  const type = tail.slice(close + 2);
  const colon = name.lastIndexOf(':');
  if (colon < 0 || !TYPE.test(type)) return undefined;
  const vhost = name.slice(0, colon);
  const port = name.slice(colon + 1);
  if (!VHOST.test(vhost) || !isPort(port)) return undefined;
  return { vhost, port: Number(port), type };
}

/**
 * nginx's error lines name the server block (`, server: NAME, ` or at the end): its configured
 * name, never the client's Host. nginx writes a decoded path and the request unescaped, so a
 * client can write `, server: OTHER` into the line too: when the line names two servers, it names
 * none (a client never picks the instance its attack is counted under).
 */
export function readNginxServer(line: string, at: number): string | undefined {
  let found: string | undefined;
  for (let i = line.indexOf(', server: ', at); i >= 0; i = line.indexOf(', server: ', i + 10)) {
    let j = i + 10;
    while (j < line.length && line.charCodeAt(j) !== 44 && line.charCodeAt(j) !== 32) j++;
    const name = line.slice(i + 10, j);
    if (found !== undefined && name !== found) return undefined;
    found = name;
  }
  return found !== undefined && VHOST.test(found) ? found : undefined;
}

/**
 * Whether `line` from `at` to `end` closes every quoted field it opens: a tag stands outside the
 * client's text only then. A line cut short (logger's or rsyslog's size limit) inside a user
 * agent can end with a tag the client wrote there.
 */
export function quotesClosed(line: string, at: number, end: number): boolean {
  let open = false;
  for (let i = line.indexOf('"', at); i >= 0 && i < end; i = line.indexOf('"', i + 1)) {
    if (!open) { open = true; continue; }
    let backslashes = 0;
    while (line.charCodeAt(i - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) open = false;
  }
  return !open;
}

/**
 * The quoted fields of an access line from `at` on: request, referrer, user agent and, in
 * WBinstance's formats, X-Forwarded-For. Inside one, a backslash escapes the next character
 * (apache writes `\"` and `\\`, nginx `\x22`), so no client text ends a field early.
 */
export function quotedFields(line: string, at: number, max = 4): string[] {
  const out: string[] = [];
  let i = line.indexOf('"', at);
  while (i >= 0 && out.length < max) {
    let j = i + 1;
    for (; j < line.length; j++) {
      const c = line.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 34) break;
    }
    if (j >= line.length) break;
    out.push(line.slice(i + 1, j));
    i = line.indexOf('"', j + 1);
  }
  return out;
}
