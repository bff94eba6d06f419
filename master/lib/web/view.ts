// WatchWB's reading of a line: its instance (the tag, or the server of an nginx error line), the
// instance's type from the register (which ladder takes the line) and the peer behind a
// trusted proxy. An instance missing from the register is read as `generic` and said once.
import { join } from 'node:path';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import type { LineReading, LineView } from '../rules/view.js';
import type { Peer } from '../rules/maps.js';
import { parseAddress } from '../net/address.js';
import type { NetMatcher } from '../net/netmatch.js';
import { readInstanceTag, readNginxServer, instanceKey, trimmedEnd, findInstanceTag, quotesClosed, TAG_LENGTH } from './instance.js';
import { readRegister, instanceTypes, GENERIC, type Register, type Instance } from './register.js';
import { forwardedPeer } from './forwarded.js';

/** The register file of a WatchWB directory. */
export const registerFile = (dir: string): string => join(dir, 'instances');

/** The instance of a line without a tag that names none. */
export const NO_INSTANCE = '-';
/** Instances said once in the log at most (beyond it, silently generic). */
const MAX_NOTED = 1000;
/** Tags whose reading is kept (a register names a few instances; beyond it a tag is read afresh each line). */
const MAX_KEPT = 1000;
/** Kept tags of one length and first letter compared with a line at most. */
const MAX_ALIKE = 16;

// What a tag says, read once per tag text (` [Instance: vhost:port]@type`): the reading itself
// where the instance trusts no proxy; `ok` false for a garbled tag. Only tags of registered
// instances are kept: a tag a client wrote at the end of an error line takes no room.
interface TagReading { text: string; ok: boolean; registered: boolean; instance: string; type: string; trusted?: NetMatcher; reading: LineReading }

export interface WebViewContext { dir: string; rules: string; log: (message: string) => void }

/** WatchWB's line view; a broken register throws EX_CONFIG naming file and line. */
export function openWebView(ctx: WebViewContext): LineView {
  const file = registerFile(ctx.dir);
  const read = (): { register: Register; problems: string[] } => readRegister(file, instanceTypes(ctx.rules));
  const first = read();
  if (first.problems.length) throw new WatcherError(`broken instance register:\n${first.problems.join('\n')}`, EX_CONFIG);
  let register = first.register;
  let byVhost = vhostIndex(register);
  const noted = new Set<string>();
  const note = (key: string, message: string): void => {
    if (noted.has(key) || noted.size >= MAX_NOTED) return;
    noted.add(key);
    ctx.log(message);
  };
  // Kept tags by their length and their vhost's first letter: lines of one instance end alike,
  // and comparing a line's end with a few texts costs less than hashing it.
  const kept = new Map<number, TagReading[]>();
  let keptCount = 0;
  const readTag = (text: string): TagReading => {
    const tag = readInstanceTag(text);
    if (!tag) return { text, ok: false, registered: false, instance: NO_INSTANCE, type: GENERIC, reading: {} };
    const key = instanceKey(tag.vhost, tag.port);
    const inst = register.byKey.get(key);
    if (!inst) note(key, `instance ${key} (@${tag.type}) is not in the register ${file}: counted as ${GENERIC} (WBinstance add ${key} TYPE)`);
    else if (inst.type !== tag.type) note(key, `instance ${key}: its lines say @${tag.type}, the register ${inst.type}: read as ${inst.type}`);
    const type = inst?.type ?? GENERIC;
    return { text, ok: true, registered: inst !== undefined, instance: key, type, trusted: register.trusted.get(key), reading: Object.freeze({ instance: key, type }) };
  };
  // The reading of the tag that stands in `line` from `start` to `end`.
  const tagOf = (line: string, start: number, end: number): TagReading => {
    const id = (end - start) * 128 + (line.charCodeAt(start + TAG_LENGTH) & 127);
    const alike = kept.get(id);
    if (alike !== undefined) for (let i = 0; i < alike.length; i++) if (line.endsWith(alike[i].text, end)) return alike[i];
    const r = readTag(line.slice(start, end));
    if (!r.registered || keptCount >= MAX_KEPT || (alike?.length ?? 0) >= MAX_ALIKE) return r;
    // A flat copy: a slice would hold the whole line it was cut from.
    r.text = Buffer.from(r.text).toString();
    if (alike === undefined) kept.set(id, [r]);
    else alike.push(r);
    keptCount++;
    return r;
  };
  return {
    read(line: string, at: number): LineReading {
      const end = trimmedEnd(line);
      const start = findInstanceTag(line, end);
      // A tag inside an open quoted field is the client's (a line cut short in its user agent).
      if (start >= 0 && quotesClosed(line, at, start)) {
        const r = tagOf(line, start, end);
        if (r.ok) {
          const trusted = r.trusted;
          if (trusted === undefined) return r.reading;
          return { instance: r.instance, type: r.type, peer: (found: Peer): Peer => forwardedPeer(found, trusted, line, at) };
        }
      }
      const server = readNginxServer(line, at);
      const inst = server !== undefined ? byVhost.get(server) : undefined;
      const key = inst ? instanceKey(inst.vhost, inst.port) : server ?? NO_INSTANCE;
      if (server !== undefined && !inst) note(key, `server ${server} of nginx's error lines is not in the register ${file}: counted as ${GENERIC}`);
      const trusted = register.trusted.get(key);
      return {
        instance: key,
        type: inst?.type ?? GENERIC,
        // An error line names the proxy, never the client behind it: nothing is counted.
        peer: trusted === undefined ? undefined : (found: Peer): Peer => typeof found === 'string' && trusted.containsNet(parseAddress(found)!) ? undefined : found,
      };
    },
    reload(): string[] {
      const next = read();
      if (next.problems.length) return next.problems;
      register = next.register;
      byVhost = vhostIndex(register);
      kept.clear();
      keptCount = 0;
      noted.clear();
      return [];
    },
  };
}

// The first registered instance of each vhost (nginx's error lines name the server, not the port).
function vhostIndex(register: Register): Map<string, Instance> {
  const out = new Map<string, Instance>();
  for (const x of register.byKey.values()) if (!out.has(x.vhost)) out.set(x.vhost, x);
  return out;
}
