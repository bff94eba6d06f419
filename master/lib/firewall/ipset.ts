// The iptables + ipset backend: sets in ipset (an IPv6 twin each), rules in Watcher's own chain.
import { run } from '../runner.js';
import { WatcherError, EX_DATAERR, EX_SOFTWARE } from '../exit.js';
import { ensureRules, readChain, removeChain, type Family } from './iptables.js';
import { createLine, kernelName, logicalName, newName } from './ipset-names.js';
import { openIpsetChannel } from './ipset-channel.js';
import { openIpsetLoader } from './ipset-loader.js';
import { isSetName, STANDARD_SETS, type Firewall } from './types.js';

const FAMILIES: Family[] = [4, 6];

/**
 * Create the sets of both families where missing, in one run of `ipset restore`. A set that
 * exists is used as it is (one made by an older installation may have other options).
 */
async function createSets(logicals: readonly string[]): Promise<void> {
  const present = await kernelSets();
  const lines = logicals.flatMap((l) => FAMILIES.map((f) => [l, kernelName(l, f), f] as const))
    .filter(([, k]) => !present.has(k)).map(([l, k, f]) => createLine(l, k, f));
  if (lines.length) await run('ipset', ['-exist', 'restore'], { input: lines.join('\n') + '\n' });
}

/** Names of every kernel set. */
async function kernelSets(): Promise<Set<string>> {
  const r = await run('ipset', ['list', '-n']);
  return new Set(r.stdout.split('\n').filter(Boolean));
}

function checkName(name: string): void {
  if (!isSetName(name)) throw new WatcherError(`'${name}' is not a valid set name (a letter, then letters, digits, _ . -; at most 24)`, EX_DATAERR);
}

/**
 * Open the iptables + ipset firewall. The object remembers which sets it has ensured, so a
 * FillFW naming the same set in many Loadfiles asks the kernel once. Rule changes are
 * serialised: two ensureSet() calls never race on the INPUT jump.
 */
export function openIpsetFirewall(): Firewall {
  const ensured = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const p = queue.then(job);
    queue = p.catch(() => undefined);
    return p;
  };
  const ensureMany = (logicals: readonly string[]) => serial(async () => {
    const todo = logicals.filter((l) => !ensured.has(l));
    if (todo.length === 0) return;
    await createSets(todo);
    for (const f of FAMILIES) await ensureRules(f, todo.map((l) => ({ logical: l, kernel: kernelName(l, f) })));
    for (const l of todo) ensured.add(l);
  });
  const owned = async (): Promise<string[]> => {
    const names = new Set<string>();
    for (const f of FAMILIES) for (const k of (await readChain(f)) ?? []) names.add(logicalName(k));
    return [...names];
  };

  const fw: Firewall = {
    name: 'iptables',
    ensure: () => ensureMany(STANDARD_SETS),
    async ensureSet(name) {
      checkName(name);
      await ensureMany([name]);
    },
    async ensureSets(names) {
      names.forEach(checkName);
      await ensureMany(names);
    },
    loader: (flushload) => openIpsetLoader(fw, flushload),
    sets: owned,
    async list(name) {
      const out: string[] = [];
      for (const f of FAMILIES) {
        const kernel = kernelName(name, f);
        const r = await run('ipset', ['save', kernel], { allowFail: true });
        if (r.exitCode !== 0) continue;
        for (const line of r.stdout.split('\n')) {
          if (line.startsWith(`add ${kernel} `)) out.push(line.split(' ')[2]);
        }
      }
      return out;
    },
    async counts() {
      const names = await owned();
      const counts = new Map<string, number>(names.map((n) => [n, 0]));
      const r = await run('ipset', ['list', '-t']);
      let current = '';
      for (const line of r.stdout.split('\n')) {
        if (line.startsWith('Name: ')) current = line.slice(6).trim();
        const m = /^Number of entries: (\d+)/.exec(line);
        if (m && !current.endsWith('-new') && counts.has(logicalName(current))) {
          counts.set(logicalName(current), (counts.get(logicalName(current)) ?? 0) + Number(m[1]));
        }
      }
      return counts;
    },
    channel: () => openIpsetChannel(),
    async destroy() {
      const referenced = new Set<string>();
      for (const f of FAMILIES) for (const k of await removeChain(f)) referenced.add(logicalName(k));
      for (const s of STANDARD_SETS) referenced.add(s);
      const present = await kernelSets();
      const failed: string[] = [];
      for (const l of referenced) {
        for (const f of FAMILIES) {
          for (const k of [kernelName(l, f), newName(kernelName(l, f))]) {
            if (!present.has(k)) continue;
            const r = await run('ipset', ['destroy', k], { allowFail: true });
            if (r.exitCode !== 0) failed.push(`${k}: ${r.stderr.trim()}`);
          }
        }
      }
      ensured.clear();
      if (failed.length) throw new WatcherError(`cannot destroy ${failed.join('; ')}`, EX_SOFTWARE);
    },
  };
  return fw;
}
