// The demo's view of the kernel: tarpit and custody as the backend's own tool lists them.
import { run } from '../../master/lib/core/runner.js';
import { parseKernel, TABLE } from '../../master/lib/firewall/nft-names.js';

/** The backends the demo runs on (FIREWALL in its watcher.conf). */
export const DEMO_FIREWALLS = ['iptables', 'nftables'] as const;
export type DemoFirewall = (typeof DEMO_FIREWALLS)[number];

// The set blocks of Watcher's nftables table that belong to `logical` and hold elements.
function nftBlocks(table: string, logical: string): string[] {
  const out: string[] = [];
  let block: string[] | undefined;
  for (const line of table.split('\n')) {
    const start = /^\t(?:set|map) (\S+) \{$/.exec(line);
    if (start) { block = parseKernel(start[1])?.logical === logical ? [line] : undefined; continue; }
    if (!block) continue;
    block.push(line);
    if (line === '\t}') { if (block.some((l) => /\belements = /.test(l))) out.push(...block.map((l) => l.replace(/^\t/, '').replace(/\t/g, '  '))); block = undefined; }
  }
  return out;
}

/** Print each of `sets` as the backend's tool shows it: `ipset list NAME`, or its sets in `nft list table inet watcher`. */
export async function showSets(firewall: DemoFirewall, sets: readonly string[], say: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const table = firewall === 'nftables' ? (await run('nft', ['list', 'table', 'inet', TABLE])).stdout : '';
  for (const set of sets) {
    signal?.throwIfAborted();
    if (firewall === 'iptables') {
      say(`== ipset list ${set}`);
      for (const l of (await run('ipset', ['list', set])).stdout.trimEnd().split('\n')) say(`   ${l}`);
      continue;
    }
    say(`== nft list table inet ${TABLE}: the sets of ${set} that hold entries`);
    const lines = nftBlocks(table, set);
    for (const l of lines.length ? lines : ['(none)']) say(`   ${l}`);
  }
}
