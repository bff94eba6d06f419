// WatchWB's reading of a line: its instance (the tag, or the server of an nginx error line), the
// instance's type from the register (which ladder takes the line) and the peer behind a
// trusted proxy. An instance missing from the register is read as `generic` and said once.
import { join } from 'node:path';
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import type { LineReading, LineView } from '../rules/view.js';
import type { Peer } from '../rules/maps.js';
import { parseAddress } from '../net/address.js';
import { readInstanceTag, readNginxServer, instanceKey } from './instance.js';
import { readRegister, instanceTypes, GENERIC, type Register, type Instance } from './register.js';
import { forwardedPeer } from './forwarded.js';

/** The register file of a WatchWB directory. */
export const registerFile = (dir: string): string => join(dir, 'instances');

/** The instance of a line without a tag that names none. */
export const NO_INSTANCE = '-';
/** Instances said once in the log at most (beyond it, silently generic). */
const MAX_NOTED = 1000;

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
  return {
    read(line: string, at: number): LineReading {
      const tag = readInstanceTag(line);
      let inst: Instance | undefined;
      let key: string;
      if (tag) {
        key = instanceKey(tag.vhost, tag.port);
        inst = register.byKey.get(key);
        if (!inst) note(key, `instance ${key} (@${tag.type}) is not in the register ${file}: counted as ${GENERIC} (WBinstance add ${key} TYPE)`);
        else if (inst.type !== tag.type) note(key, `instance ${key}: its lines say @${tag.type}, the register ${inst.type}: read as ${inst.type}`);
      } else {
        const server = readNginxServer(line, at);
        inst = server !== undefined ? byVhost.get(server) : undefined;
        key = inst ? instanceKey(inst.vhost, inst.port) : server ?? NO_INSTANCE;
        if (server !== undefined && !inst) note(key, `server ${server} of nginx's error lines is not in the register ${file}: counted as ${GENERIC}`);
      }
      const trusted = register.trusted.get(key);
      return {
        instance: key,
        type: inst?.type ?? GENERIC,
        peer: trusted === undefined ? undefined : (found: Peer): Peer => {
          // An error line names the proxy, never the client behind it: nothing is counted.
          if (!tag) return typeof found === 'string' && trusted.containsNet(parseAddress(found)!) ? undefined : found;
          return forwardedPeer(found, trusted, line, at);
        },
      };
    },
    reload(): string[] {
      const next = read();
      if (next.problems.length) return next.problems;
      register = next.register;
      byVhost = vhostIndex(register);
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
