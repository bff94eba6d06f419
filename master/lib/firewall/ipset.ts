// The iptables + ipset backend: sets in ipset (an IPv6 twin each), rules in Watcher's own chain.
import { run } from '../core/runner.js';
import { WatcherError, EX_CONFIG, EX_DATAERR, EX_SOFTWARE } from '../core/exit.js';
import type { Family } from '../net/address.js';
import { ensureRules, readChain, removeChain } from './iptables.js';
import { isReserved, kernelName, logicalName, OWN, REGISTRY } from './ipset-names.js';
import { destroyOwned, ensureLines, isForeign, readOwn, readOwnership, type Ownership } from './ipset-owner.js';
import { openIpsetChannel } from './ipset-channel.js';
import { openIpsetLoader } from './ipset-loader.js';
import { serialQueue } from './serial.js';
import { isSetName, STANDARD_SETS, type Firewall } from './types.js';

const FAMILIES: Family[] = [4, 6];

function checkName(name: string): void {
  if (!isSetName(name)) throw new WatcherError(`'${name}' is not a valid set name (a letter, then letters, digits, _ . -; at most 24)`, EX_DATAERR);
  if (isReserved(name)) throw new WatcherError(`'${name}' is a set Watcher keeps for itself`, EX_DATAERR);
}

/**
 * Open the iptables + ipset firewall. The object remembers which sets it has ensured, so a
 * FillFW naming the same set in many Loadfiles asks the kernel once; ensure() itself always
 * checks the chain and refreshes the own set. Rule changes are serialised: two ensureSet()
 * calls never race on the INPUT jump.
 */
export function openIpsetFirewall(): Firewall {
  const ensured = new Set<string>();
  const serial = serialQueue();
  // What foreign() read, for the operation queued right after it (a load's ensure()): read once.
  let justRead: Ownership | undefined;
  const ensureMany = (logicals: readonly string[], refreshOwn: boolean) => serial(async () => {
    const todo = logicals.filter((l) => !ensured.has(l));
    const fresh = justRead;
    justRead = undefined;
    if (todo.length === 0 && !refreshOwn) return;
    const o = fresh ?? await readOwnership();
    const foreign = todo.filter((l) => isForeign(o, l));
    if (foreign.length) {
      throw new WatcherError(`ipset ${foreign.map((l) => `'${l}'`).join(', ')} exists and is not Watcher's (not in ${REGISTRY}): `
        + `destroy or rename it, or hand it over with 'ipset add ${REGISTRY} NAME'`, EX_CONFIG);
    }
    const lines = ensureLines(o, todo, refreshOwn ? await readOwn(o) : undefined);
    if (lines.length) await run('ipset', ['-exist', 'restore'], { input: lines.join('\n') + '\n' });
    // Both families at once (two programs, two tables); both have ended before the queue goes on.
    const rules = await Promise.allSettled(FAMILIES.map((f) => ensureRules(f, todo.map((l) => ({ logical: l, kernel: kernelName(l, f) })))));
    for (const r of rules) if (r.status === 'rejected') throw r.reason;
    for (const l of todo) ensured.add(l);
  });
  const owned = async (): Promise<string[]> => {
    const names = new Set<string>();
    for (const chain of await Promise.all(FAMILIES.map(readChain))) for (const k of chain ?? []) if (!isReserved(logicalName(k))) names.add(logicalName(k));
    return [...names];
  };

  const fw: Firewall = {
    name: 'iptables',
    async ensure(also = []) {
      also.forEach(checkName);
      await ensureMany([...new Set([...STANDARD_SETS, ...also])], true);
    },
    countsAtOnce: true,
    async ensureSet(name) {
      checkName(name);
      await ensureMany([name], false);
    },
    async ensureSets(names) {
      names.forEach(checkName);
      // A standard set comes with the others, in their order: a load's adds to a live set may come before its ensure().
      const standard = names.some((n) => (STANDARD_SETS as readonly string[]).includes(n));
      await ensureMany(standard ? [...new Set([...STANDARD_SETS, ...names])] : names, false);
    },
    // In the queue: a set an ensure() under way has made but not yet registered is not foreign.
    foreign: () => serial(async () => {
      const o = await readOwnership();
      justRead = o;
      const names = new Set([REGISTRY, OWN]);
      for (const k of o.present) if (!o.owned.has(k) && !k.endsWith('-new')) names.add(logicalName(k));
      return names;
    }),
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
    // One listing gives every count: `known` saves nothing here.
    async counts({ only } = {}) {
      // The chains and the sets' headers are read at once.
      const [mine, r] = await Promise.all([owned(), run('ipset', ['list', '-t'])]);
      const names = mine.filter((n) => !only || only.includes(n));
      const counts = new Map<string, number>(names.map((n) => [n, 0]));
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
      justRead = undefined;
      const o = await readOwnership();
      for (const f of FAMILIES) await removeChain(f);
      ensured.clear();
      const kept = await destroyOwned(o);
      if (kept.length) throw new WatcherError(`cannot destroy ${kept.join('; ')} (emptied; it stays Watcher's and is reused)`, EX_SOFTWARE);
    },
  };
  return fw;
}
