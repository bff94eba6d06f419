// Bench (detection): fail2ban's annotated sample logs replayed through each module's rule set
// with rules/Test --json at LEVEL normal and strict; lines WatchMX passes on are replayed
// through WatchMB. Per module and file: the lines fail2ban matches with an address ("host"),
// how many Watcher injects with the same address and with another; the lines it matches by a
// host name (Watcher never takes a name from a line: an attacker chooses its PTR name) and
// what Watcher injects on them; the lines fail2ban must not match and Watcher's injections
// on them. Then the same recall per fail2ban mode section (lines its default mode counts
// apart from those only its ddos/extra/aggressive/... modes count), and sshguard's parser as
// a second peer on the ssh and mail files: the lines it counts, and how many of those
// Watcher counts for the same address. Options: --missed also lists the lines missed;
// --shapes groups the misses (of fail2ban's or sshguard's lines) by message shape.
// Usage: node dist/bench/corpus.js [--missed] [--shapes] [LOGDIR]   (LOGDIR: fail2ban's tests/files/logs)
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readLogAddress } from '../master/lib/net/address.js';
import { printTable, ROOT } from './common.js';
import { modeSection, readAnnotated, type Annotated } from './failjson.js';
import { printPeers, printShapes, tallyPeers, type PeerLine } from './corpus-peers.js';
import { readSshguard } from './sshguard.js';

const LOGS = '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs';
const LEVELS = ['normal', 'strict'] as const;
type Level = typeof LEVELS[number];

/** A module's rule set, and the companion that takes what it passes on. */
interface Chain { label: string; module: string; rules: string; passon?: { module: string; rules: string }; files: string[]; sshguard: boolean }
const MB = { module: 'WatchMB', rules: 'rules' };
const CHAINS: Chain[] = [
  { label: 'WatchLG', module: 'WatchLG', rules: 'rules', files: ['sshd', 'sshd-journal', 'dropbear'], sshguard: true },
  { label: 'WatchMX+MB', module: 'WatchMX', rules: 'rules', passon: MB, files: ['postfix', 'postfix-*', 'postscreen', 'dovecot'], sshguard: true },
  { label: 'WatchMX(exim)+MB', module: 'WatchMX', rules: 'rules-exim', passon: MB, files: ['exim', 'exim-*'], sshguard: true },
  { label: 'WatchWB', module: 'WatchWB', rules: 'rules', files: ['apache-*', 'nginx-*', 'php-url-fopen'], sshguard: false },
];

interface Verdict { verdict: string; rule: string | null; action: string | null; address: string | null }
/** What the chain did with a line: the address injected ('' for none found), or undefined when nothing was injected. */
interface Injection { address: string; rule: string }

// The files of a chain that exist: names, or `prefix-*` for every file that starts so.
function filesOf(dir: string, names: string[]): string[] {
  const all = readdirSync(dir);
  return names.flatMap((n) => (n.endsWith('-*') ? all.filter((f) => f.startsWith(n.slice(0, -1))).sort() : all.includes(n) ? [n] : []));
}

// rules/Test --json of a module over lines: one verdict each, in order.
async function replay(module: string, rules: string, level: Level, lines: string[], tmp: string): Promise<Verdict[]> {
  const file = join(tmp, `${module}-${rules}-${level}.log`);
  writeFileSync(file, lines.map((l) => l + '\n').join(''));
  const r = await execa(process.execPath, [join(ROOT, 'modules', module, 'rules/Test'), '--json', '--level', level, '--rules', rules, file], { reject: false, maxBuffer: 1 << 30 });
  if (r.exitCode !== 0) throw new Error(`${module} rules/Test --rules ${rules}: exit ${r.exitCode}: ${r.stderr}`);
  const out = r.stdout === '' ? [] : r.stdout.split('\n').map((l) => JSON.parse(l) as Verdict);
  if (out.length !== lines.length) throw new Error(`${module} rules/Test gave ${out.length} verdicts for ${lines.length} lines`);
  return out;
}

// The injections of a chain over its lines at one level (passon lines through the companion).
async function injections(chain: Chain, level: Level, lines: Annotated[], tmp: string): Promise<(Injection | undefined)[]> {
  const first = await replay(chain.module, chain.rules, level, lines.map((l) => l.text), tmp);
  const out = first.map((v) => (v.action === 'inject' ? { address: v.address ?? '', rule: v.rule! } : undefined));
  const passed = first.flatMap((v, i) => (v.action === 'passon' ? [i] : []));
  if (chain.passon && passed.length) {
    const second = await replay(chain.passon.module, chain.passon.rules, level, passed.map((i) => lines[i].text), tmp);
    second.forEach((v, j) => { if (v.action === 'inject') out[passed[j]] = { address: v.address ?? '', rule: `${chain.passon!.module}:${v.rule}` }; });
  }
  return out;
}

type Count = Record<'match' | 'named' | 'none', number> & Record<`${'same' | 'other' | 'onNamed' | 'onNone'}-${Level}`, number>;
const zero = (): Count => ({ match: 0, named: 0, none: 0, 'same-normal': 0, 'same-strict': 0, 'other-normal': 0, 'other-strict': 0, 'onNamed-normal': 0, 'onNamed-strict': 0, 'onNone-normal': 0, 'onNone-strict': 0 });
const pct = (n: number, of: number): string => `${n} (${of ? Math.round((100 * n) / of) : 0}%)`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const missed = args.includes('--missed');
  const shapes = args.includes('--shapes');
  const dir = args.find((a) => !a.startsWith('--')) ?? LOGS;
  if (!existsSync(dir)) {
    console.error(`corpus: fail2ban's annotated sample logs are not here (${dir}): apt-get install fail2ban (or name the directory: node dist/bench/corpus.js DIR)`);
    return 69;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'bench-corpus-'));
  const rows: (string | number)[][] = [];
  const notes = new Map<string, Level[]>();
  const skips: string[] = [];
  const peerLines: PeerLine[] = [];
  let sshguard = true;
  try {
    for (const chain of CHAINS) {
      const lines: Annotated[] = [];
      for (const f of filesOf(dir, chain.files)) {
        const r = readAnnotated(join(dir, f), f, f.replace(/-journal$/, ''));
        lines.push(...r.lines);
        if (r.skipped) skips.push(`${f}: ${r.skipped} lines left out (a constraint this reader cannot evaluate)`);
      }
      const got = Object.fromEntries(await Promise.all(LEVELS.map(async (l) => [l, await injections(chain, l, lines, tmp)] as const))) as Record<Level, (Injection | undefined)[]>;
      const sshg = chain.sshguard ? await readSshguard(lines.map((l) => l.text)) : undefined;
      if (chain.sshguard && sshg === undefined) sshguard = false;
      lines.forEach((l, i) => peerLines.push({
        chain: chain.label, file: l.file, text: l.text, f2b: l.match && l.host !== undefined ? readLogAddress(l.host) : undefined,
        section: l.match ? modeSection(l.modes) : undefined, sshg: sshg?.[i], peers: chain.sshguard,
        normal: got.normal[i]?.address || undefined, strict: got.strict[i]?.address || undefined,
      }));
      const perFile = new Map<string, Count>();
      lines.forEach((l, i) => {
        const c = perFile.get(l.file) ?? zero();
        perFile.set(l.file, c);
        const want = l.host === undefined ? undefined : readLogAddress(l.host);
        if (l.match && want !== undefined) c.match++;
        else if (l.match && l.host !== undefined) c.named++;
        else if (!l.match) c.none++;
        for (const level of LEVELS) {
          const inj = got[level][i];
          const at = `${l.file}:${l.line}`;
          const by = inj === undefined ? '' : `${inj.rule} injects ${inj.address || 'no address (no peer found)'}`;
          if (l.match && want !== undefined) {
            if (inj?.address === want) c[`same-${level}`]++;
            else if (inj?.address) { c[`other-${level}`]++; note(notes, level, at, `${by}, fail2ban ${want}: ${l.text}`); }
            else if (inj !== undefined || missed) note(notes, level, at, `${inj ? by : 'missed'} (fail2ban ${want}): ${l.text}`);
          } else if (inj?.address && l.match && l.host !== undefined) { c[`onNamed-${level}`]++; note(notes, level, at, `${by} where fail2ban names ${l.host}: ${l.text}`); }
          else if (inj?.address && !l.match) { c[`onNone-${level}`]++; note(notes, level, at, `${by} on a line fail2ban does not match: ${l.text}`); }
        }
      });
      const total = zero();
      for (const [file, c] of perFile) {
        for (const k of Object.keys(c) as (keyof Count)[]) total[k] += c[k];
        rows.push(row(chain.label, file, c));
      }
      rows.push(row(chain.label, 'all', total));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`fail2ban's annotated samples (${dir}) through rules/Test --json --level normal|strict (n|s):`);
  printTable(['module', 'file', 'f2b match', 'same n', 'same s', 'other n', 'other s', 'f2b by name', 'inj n', 'inj s', 'f2b no match', 'inj n', 'inj s'], rows);
  console.log('f2b match: lines fail2ban matches with an address; same/other: Watcher injects that address / another one (a rule that finds no peer injects none);');
  console.log('f2b by name: lines fail2ban matches by a host name, and Watcher\'s injections on them; f2b no match: lines fail2ban must not match, and Watcher\'s injections on them.');
  console.log(`Lines where Watcher differs${missed ? '' : ' (--missed lists the missed ones too)'}:`);
  for (const [text, levels] of notes) console.log(`${levels.join('+')} ${text}`);
  for (const s of skips) console.log(s);
  const peers = tallyPeers(peerLines);
  printPeers(peers, sshguard);
  if (shapes) printShapes(peerLines);
  return 0;
}

// A line of the list under the table, said once for the levels that agree on it.
function note(notes: Map<string, Level[]>, level: Level, at: string, text: string): void {
  const key = `${at}: ${text}`;
  notes.set(key, [...(notes.get(key) ?? []), level]);
}

function row(label: string, file: string, c: Count): (string | number)[] {
  return [label, file, c.match, pct(c['same-normal'], c.match), pct(c['same-strict'], c.match), c['other-normal'], c['other-strict'], c.named, c['onNamed-normal'], c['onNamed-strict'], c.none, c['onNone-normal'], c['onNone-strict']];
}

process.exitCode = await main();
