// The instance register (modules/WatchWB/instances): one instance a line, written by WBinstance
// and edited by hand:
//
//   VHOST:PORT  TYPE  [trusted=NET,NET...]
//
// TYPE is `generic`, or a type of the rules directory (a subdirectory: wordpress, static, ...);
// `trusted` lists the reverse proxies or CDN networks in front of the instance. '#' starts a
// comment. Every problem names the file, the line and the value.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseNet } from '../net/address.js';
import { NetMatcher } from '../net/netmatch.js';
import { TYPE, VHOST, isPort, instanceKey } from './instance.js';

/** The type of an instance missing from the register: the common rules alone. */
export const GENERIC = 'generic';

export interface Instance { vhost: string; port: number; type: string; trusted: string[]; line: number }

export interface Register {
  file: string;
  /** By `vhost:port`. */
  byKey: Map<string, Instance>;
  /** The trusted proxies of an instance, by `vhost:port`. */
  trusted: Map<string, NetMatcher>;
}

/** The instance types a rules directory offers: `generic` and each type subdirectory. */
export function instanceTypes(rulesDir: string): string[] {
  const dirs = existsSync(rulesDir) ? readdirSync(rulesDir).filter((f) => TYPE.test(f) && statSync(join(rulesDir, f)).isDirectory()) : [];
  return [...new Set([GENERIC, ...dirs])].sort();
}

/** Parse the register's text; problems as `file:line: ...`. */
export function parseRegister(text: string, file: string, types: string[]): { register: Register; problems: string[] } {
  const register: Register = { file, byKey: new Map(), trusted: new Map() };
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const words = raw.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const bad = (m: string): void => { problems.push(`${file}:${i + 1}: ${m}`); };
    const [name, type, ...rest] = words;
    const colon = name.lastIndexOf(':');
    const vhost = colon > 0 ? name.slice(0, colon) : '';
    const port = colon > 0 ? name.slice(colon + 1) : '';
    if (!VHOST.test(vhost) || !isPort(port)) { bad(`${JSON.stringify(name)} is not VHOST:PORT (the ServerName or server_name and a port 1..65535)`); continue; }
    if (type === undefined) { bad(`${name}: no type (one of ${types.join(', ')})`); continue; }
    if (!types.includes(type)) { bad(`${name}: unknown type ${JSON.stringify(type)} (one of ${types.join(', ')})`); continue; }
    const key = instanceKey(vhost, Number(port));
    const dup = register.byKey.get(key);
    if (dup) { bad(`${key} is registered already on line ${dup.line}`); continue; }
    const trusted: string[] = [];
    let ok = true;
    for (const w of rest) {
      const m = /^trusted=(.*)$/.exec(w);
      if (!m) { bad(`${key}: ${JSON.stringify(w)} is neither trusted=NET,... nor a comment`); ok = false; break; }
      for (const n of m[1].split(',')) {
        const net = parseNet(n);
        if (!net) { bad(`${key}: trusted proxy ${JSON.stringify(n)} is not an address or network`); ok = false; break; }
        if (net.prefix === 0) { bad(`${key}: trusted proxy ${JSON.stringify(n)} would trust every client`); ok = false; break; }
        trusted.push(net.text);
      }
      if (!ok) break;
    }
    if (!ok) continue;
    register.byKey.set(key, { vhost, port: Number(port), type, trusted, line: i + 1 });
    if (trusted.length) register.trusted.set(key, new NetMatcher(trusted.map((t) => parseNet(t)!)));
  }
  return { register, problems };
}

/** Read the register file (a missing file is an empty register). */
export function readRegister(file: string, types: string[]): { register: Register; problems: string[] } {
  return parseRegister(existsSync(file) ? readFileSync(file, 'utf8') : '', file, types);
}

/** The register's line of an instance. */
export function formatInstance(x: Pick<Instance, 'vhost' | 'port' | 'type' | 'trusted'>): string {
  return `${instanceKey(x.vhost, x.port).padEnd(31)} ${x.type}${x.trusted.length ? ` trusted=${x.trusted.join(',')}` : ''}`;
}

/** The register's text with one line more (comments and order kept); a new file gets a header. */
export function appendInstance(text: string, line: string): string {
  const head = text === '' ? '# WatchWB instance register: VHOST:PORT TYPE [trusted=NET,NET...] (WBinstance writes it; edit by hand, then Refresh wb)\n' : '';
  return `${head}${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/** The register's text without its line `n` (1-based). */
export function dropLine(text: string, n: number): string {
  const lines = text.split('\n');
  lines.splice(n - 1, 1);
  return lines.join('\n');
}
