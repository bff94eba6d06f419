// fail2ban's annotated sample logs (tests/files/logs/<filter>): each log line is preceded by
// `# failJSON: { "match": true, "host": "..." }` (or `"match": false`, with `"desc"`,
// `"constraint"`, `"attempts"`...), read here the way fail2ban's samplestestcase.py reads them:
// a failJSON annotates the physical line after it, a line without one is a line fail2ban must
// not match, `# filterOptions:` starts a block tried in each of its modes (a block whose
// `test.condition` fails for the filter is ignored), `# fileOptions:` is merged into them.
import { readFileSync } from 'node:fs';

/**
 * A log line with what fail2ban says of it; `host` only where fail2ban names one; `modes`: the
 * filter modes of its block in which fail2ban counts it ('default' for the filter's own).
 */
export interface Annotated { file: string; line: number; text: string; match: boolean; host?: string; modes: string[] }

type Options = Record<string, unknown>;

const DIRECTIVE = /^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$/;
const COMPARISON = /^\s*(name|opts\.get\('([^']+)'\))\s*(==|!=)\s*'([^']*)'\s*$/;

/** A constraint of the simple shape the sample files use (`name == 'sshd'`, `opts.get('mode') != 'aggressive'`); undefined when it is another. */
export function evalConstraint(expr: string, name: string, opts: Options): boolean | undefined {
  const m = COMPARISON.exec(expr);
  if (m === null) return undefined;
  const value = m[1] === 'name' ? name : opts[m[2]];
  return (value === m[4]) === (m[3] === '==');
}

/**
 * The annotated lines of one sample file of filter `name`. A line fail2ban matches in at
 * least one mode of its block counts as a match; a `"match": false` counts only where it
 * holds in every mode (else fail2ban matches it in another). `skipped`: lines left out for a
 * constraint this reader cannot evaluate.
 */
export function readAnnotated(path: string, file: string, name: string): { lines: Annotated[]; skipped: number } {
  const raw = readFileSync(path, 'utf8').split('\n');
  const lines: Annotated[] = [];
  let fileOpts: Options = {};
  let modes: Options[] = [{}];
  let ignore = false;
  let skipped = 0;
  for (let i = 0; i < raw.length; i++) {
    const d = DIRECTIVE.exec(raw[i].replace(/\r$/, ''));
    let data: Options = {};
    if (d !== null) {
      const parsed = JSON.parse(d[2]) as Options | Options[];
      if (d[1] === 'fileOptions') { fileOpts = parsed as Options; continue; }
      if (d[1] === 'addFILE') continue; // every file is listed on its own
      if (d[1] === 'filterOptions') {
        modes = (Array.isArray(parsed) ? parsed : [parsed]).map((o) => ({ ...fileOpts, ...o }))
          .filter((o) => typeof o['test.condition'] !== 'string' || evalConstraint(o['test.condition'] as string, name, o) !== false);
        ignore = modes.length === 0;
        continue;
      }
      data = parsed as Options;
      i++;
      if (i >= raw.length) break;
    } else if (raw[i].startsWith('#') || raw[i].trim() === '') continue;
    if (ignore) continue;
    const constraint = typeof data.constraint === 'string' ? data.constraint : undefined;
    const holds = modes.map((o) => (constraint === undefined ? true : evalConstraint(constraint, name, o)));
    if (holds.includes(undefined)) { skipped++; continue; }
    const match = data.match === true;
    if (match ? !holds.includes(true) : holds.includes(false)) continue;
    const modeNames = modes.flatMap((o, k) => (holds[k] === true ? [typeof o.mode === 'string' ? o.mode : 'default'] : []));
    const prefix = typeof modes[0]['test.prefix-line'] === 'string' ? modes[0]['test.prefix-line'] as string : '';
    lines.push({ file, line: i + 1, text: prefix + raw[i].replace(/\r$/, ''), match, ...(match && typeof data.host === 'string' ? { host: data.host } : {}), modes: [...new Set(modeNames)] });
  }
  return { lines, skipped };
}

/** The fail2ban mode section of a line it counts: 'default' where its default (or 'normal') mode counts it, else the modes that do ('ddos|aggressive'). */
export function modeSection(modes: string[]): string {
  return modes.includes('default') || modes.includes('normal') ? 'default' : modes.join('|');
}
