// The two line maps beside the rules: superflous_map (noise to skip) and peer_map (where the
// service names its peer). One ERE a line, '#' comments; each map becomes one RegExp.
import { normalizeAddress } from '../net/address.js';
import { translateEre, repeatSource, EreError } from './ere.js';
import { compileLinear } from './linear.js';
import { findMessageStart, execAnchored } from './header.js';
import { warnBacktracking, type RuleProblem } from './parse.js';

interface MapLine { line: number; source: string; ere: string }

// Translate every pattern line; bad lines become problems, patterns that backtrack warnings.
function readMap(text: string, file: string, problems: RuleProblem[], warnings: RuleProblem[], check?: (ere: string) => string | undefined): MapLine[] {
  const out: MapLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const ere = lines[i].replace(/\r$/, '').trim();
    if (ere === '' || ere.startsWith('#')) continue;
    const why = check?.(ere);
    if (why) { problems.push({ file, line: i + 1, message: why }); continue; }
    try {
      const source = translateEre(ere);
      const w = warnBacktracking(compileLinear(source.replace('ADDR', ADDR)), file, i + 1);
      if (w) warnings.push(w);
      out.push({ line: i + 1, source, ere });
    } catch (e) {
      problems.push({ file, line: i + 1, message: e instanceof EreError ? e.message : `invalid regex ${JSON.stringify(ere)}: ${(e as Error).message}` });
    }
  }
  return out;
}

/** superflous_map: one regex for all noise patterns (anchored by decideLine), or undefined when the map is empty. */
export function parseSuperflousMap(text: string, file: string): { regex?: RegExp; count: number; problems: RuleProblem[]; warnings: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const warnings: RuleProblem[] = [];
  const lines = readMap(text, file, problems, warnings);
  const regex = lines.length ? compileLinear(lines.map((l) => `(?:${l.source})`).join('|')) : undefined;
  return { regex, count: lines.length, problems, warnings };
}

/** The text an ADDR placeholder of peer_map stands for (checked afterwards by parseAddress). */
const ADDR = `(${repeatSource('[0-9A-Fa-f:.]', 2, 45)})`;

/** Finds the attacker's address in a line (`at`: where its message starts); undefined when the service names no peer. */
export type PeerFinder = (line: string, at?: number) => string | undefined;

/**
 * peer_map: each line is an ERE with one ADDR where the service writes its peer, starting
 * with the fixed words of the message (or the program name before them). All lines become
 * one alternation; the leftmost match counts only when it starts at or before the start of
 * the message (header.ts), so a line whose message a client wrote (a banner, a user name)
 * names no peer at all. Inside one pattern a greedy `.*` before ADDR takes the last
 * candidate, past a user name with blanks: services write the peer after such names.
 */
export function parsePeerMap(text: string, file: string): { find: PeerFinder; count: number; problems: RuleProblem[]; warnings: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const warnings: RuleProblem[] = [];
  const lines = readMap(text, file, problems, warnings, (ere) => {
    const n = ere.split('ADDR').length - 1;
    return n === 1 ? undefined : `a peer_map line needs exactly one ADDR where the address stands (found ${n}): ${JSON.stringify(ere)}`;
  });
  if (lines.length === 0) return { find: () => undefined, count: 0, problems, warnings };
  const regex = compileLinear(lines.map((l) => `(?:${l.source.replace('ADDR', ADDR)})`).join('|'));
  const find: PeerFinder = (line, at = findMessageStart(line)) => {
    const m = execAnchored(regex, line, at);
    if (!m) return undefined;
    for (let g = 1; g < m.length; g++) if (m[g] !== undefined) return normalizeAddress(m[g]);
    return undefined;
  };
  return { find, count: lines.length, problems, warnings };
}
