// What Watcher never drops: the whitelist, this machine's own addresses, loopback.
import { ownNets, type Net } from './address.js';
import { readList } from './lists.js';
import { MASTER_PATH } from './paths.js';

/**
 * Networks that are never dropped, grouped by prefix length. A DROP entry is covered when the
 * whole of it lies inside one of them: a network of a prefix no longer than the entry's holds
 * the entry's base address.
 */
export class NeverBlock {
  private readonly v4 = new Map<number, Set<number>>();
  private readonly v6 = new Map<number, Set<bigint>>();

  constructor(nets: Net[] = []) {
    for (const n of nets) this.add(n);
  }

  add(n: Net): void {
    const map = (n.family === 4 ? this.v4 : this.v6) as Map<number, Set<number | bigint>>;
    let s = map.get(n.prefix);
    if (!s) map.set(n.prefix, (s = new Set()));
    s.add(n.base);
  }

  /** The entry (address or CIDR) lies wholly inside a never-blocked network. */
  covers(e: Net): boolean {
    if (e.family === 4) {
      const b = e.base as number;
      for (const [q, set] of this.v4) {
        if (q > e.prefix) continue;
        const mask = q === 0 ? 0 : (0xffffffff << (32 - q)) >>> 0;
        if (set.has((b & mask) >>> 0)) return true;
      }
      return false;
    }
    const b = e.base as bigint;
    for (const [q, set] of this.v6) {
      if (q > e.prefix) continue;
      const mask = q === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - q)) - 1n);
      if (set.has(b & mask)) return true;
    }
    return false;
  }
}

/** The whitelist file of an installation, this machine's own addresses and loopback. */
export function readNeverBlock(master: string = MASTER_PATH): NeverBlock {
  return new NeverBlock([...readList('whitelist', master).nets, ...ownNets()]);
}
