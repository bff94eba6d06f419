// The detection bench's comparisons with the peers, line by line: recall per fail2ban mode
// section, sshguard's catch against Watcher's, and Watcher's misses grouped by message shape.
import { printTable } from './common.js';
import { shapeOf } from './shapes.js';

/** One corpus line: the address each peer counts (undefined: none) and the one Watcher injects at each level. */
export interface PeerLine {
  chain: string; file: string; text: string;
  f2b?: string; section?: string; sshg?: string; peers: boolean;
  normal?: string; strict?: string;
}

const pct = (n: number, of: number): string => `${n} (${of ? Math.round((100 * n) / of) : 0}%)`;

// Rows grouped by a key, in the order the keys first appear.
function groupBy<T>(items: T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k !== undefined) out.set(k, [...(out.get(k) ?? []), t]);
  }
  return out;
}

/** The two tables' rows: per module, file and fail2ban mode section; per module and file for sshguard. */
export function tallyPeers(lines: PeerLine[]): { modes: (string | number)[][]; sshg: (string | number)[][] } {
  const modes = [...groupBy(lines.filter((l) => l.f2b !== undefined), (l) => `${l.chain}\t${l.file}\t${l.section}`)].map(([k, ls]) => [
    ...k.split('\t'), ls.length, pct(ls.filter((l) => l.normal === l.f2b).length, ls.length), pct(ls.filter((l) => l.strict === l.f2b).length, ls.length),
  ]);
  const sshg = [...groupBy(lines.filter((l) => l.peers), (l) => `${l.chain}\t${l.file}`)].map(([k, ls]) => {
    const caught = ls.filter((l) => l.sshg !== undefined);
    const notSshg = ls.filter((l) => l.f2b !== undefined && l.sshg !== l.f2b);
    return [
      ...k.split('\t'), caught.length,
      caught.filter((l) => l.f2b === l.sshg).length, caught.filter((l) => l.f2b !== undefined && l.f2b !== l.sshg).length, caught.filter((l) => l.f2b === undefined).length,
      pct(caught.filter((l) => l.normal === l.sshg).length, caught.length), pct(caught.filter((l) => l.strict === l.sshg).length, caught.length),
      notSshg.length, notSshg.filter((l) => l.normal === l.f2b).length, notSshg.filter((l) => l.strict === l.f2b).length,
    ];
  });
  return { modes, sshg };
}

/** Print the per-mode recall and the sshguard comparison. */
export function printPeers(t: ReturnType<typeof tallyPeers>, sshguard: boolean): void {
  console.log('\nRecall per fail2ban mode section (default: lines fail2ban counts in its default mode; else only in the modes named):');
  printTable(['module', 'file', 'f2b mode', 'f2b match', 'same n', 'same s'], t.modes);
  if (!sshguard) { console.log('\nsshguard: not installed (apt-get install sshguard): no comparison with its parser.'); return; }
  console.log('\nsshguard (sshg-parser) on the same lines: the lines it counts, and Watcher\'s injections of the address it names:');
  printTable(['module', 'file', 'sshg', '=f2b', '≠f2b', 'f2b none', 'same n', 'same s', 'f2b not sshg', 'same n', 'same s'], t.sshg);
  console.log('sshg: lines sshguard counts; =f2b / ≠f2b: with fail2ban\'s address / another one; f2b none: on lines fail2ban does not match by address;');
  console.log('same n/s: Watcher injects sshguard\'s address; f2b not sshg: lines fail2ban matches by address where sshguard counts none or another, and Watcher\'s right address on them.');
}

/** Print the lines a peer counts and Watcher misses, grouped by message shape, the largest group first. */
export function printShapes(lines: PeerLine[]): void {
  const missed = lines.filter((l) => { const want = l.f2b ?? l.sshg; return want !== undefined && (l.normal !== want || l.strict !== want); });
  const groups = [...groupBy(missed, (l) => `${l.chain}: ${shapeOf(l.text)}`)].sort((a, b) => b[1].length - a[1].length);
  console.log(`\nMisses by message shape (${missed.length} lines a peer counts where Watcher injects another address or none at a level):`);
  printTable(['shape', 'lines', 'miss n', 'miss s', 'counted by', 'example'], groups.map(([shape, ls]) => {
    const by = new Set(ls.flatMap((l) => [...(l.f2b !== undefined ? [`f2b:${l.section}`] : []), ...(l.sshg !== undefined ? ['sshg'] : [])]));
    const want = (l: PeerLine) => l.f2b ?? l.sshg;
    return [shape.slice(0, 90), ls.length, ls.filter((l) => l.normal !== want(l)).length, ls.filter((l) => l.strict !== want(l)).length, [...by].join(','), `${ls[0].file}: ${ls[0].text.slice(0, 80)}`];
  }));
}
