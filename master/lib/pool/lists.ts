// The static list files (blacklist, whitelist): first column an address or CIDR, '#' comments.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNet, ownNets, type Net } from '../net/address.js';
import { NetMatcher } from '../net/netmatch.js';
import { MASTER_PATH } from '../core/paths.js';
import { netRefusal } from '../firewall/entries.js';

export interface ListProblem { file: string; line: number; value: string; reason: string }

export interface ParsedList { nets: Net[]; problems: ListProblem[] }

/**
 * Parse a list in the seeds' format; bad entries (also a /0, which no set takes) are returned as
 * problems, never thrown, so they are neither loaded nor used to spare addresses.
 */
export function parseList(text: string, file: string): ParsedList {
  const nets: Net[] = [];
  const problems: ListProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const data = lines[i].replace(/#.*/, '').trim();
    if (data === '') continue;
    const first = data.split(/[ \t]+/)[0];
    const net = parseNet(first);
    const refused = net && netRefusal(net);
    if (net && !refused) nets.push(net);
    else problems.push({ file, line: i + 1, value: first, reason: refused || 'not an IPv4/IPv6 address or CIDR' });
  }
  return { nets, problems };
}

/** Read MASTER_PATH/<name> (blacklist or whitelist); a missing file is an empty list. */
export function readList(name: 'blacklist' | 'whitelist', master: string = MASTER_PATH): ParsedList {
  const file = join(master, name);
  if (!existsSync(file)) return { nets: [], problems: [] };
  return parseList(readFileSync(file, 'utf8'), file);
}

/** What is never blocked: the whitelist file, this machine's own addresses and loopback. */
export function neverBlock(master: string = MASTER_PATH): NetMatcher {
  return new NetMatcher([...readList('whitelist', master).nets, ...ownNets()]);
}
