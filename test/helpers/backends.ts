// The firewall backends every firewall, master, module and packet test runs against, and a
// backend-neutral view of what the kernel holds (read with the backend's own tools).
import type { Netns } from './netns.js';
import { requireTools } from './netns.js';

export const BACKENDS = ['iptables', 'nftables'] as const;
export type Backend = (typeof BACKENDS)[number];

/** The programs a backend needs; missing ones fail the test with what to install. */
export function requireBackend(b: Backend): void {
  requireTools(b === 'nftables' ? ['nft'] : ['ipset', 'iptables', 'ip6tables']);
}

/** The watcher.conf line that selects the backend. */
export const firewallLine = (b: Backend): string => `FIREWALL=${b}\n`;

type NftElem = string | { prefix: { addr: string; len: number } } | { elem: { val: NftElem; expires?: number; timeout?: number; comment?: string } };

function nftText(e: NftElem): string {
  if (typeof e === 'string') return e;
  if ('prefix' in e) return `${e.prefix.addr}/${e.prefix.len}`;
  const v = nftText(e.elem.val);
  return `${v}${e.elem.expires !== undefined ? ` timeout ${e.elem.expires}` : ''}${e.elem.comment !== undefined ? ` comment "${e.elem.comment}"` : ''}`;
}

/**
 * Entries of one family of a logical set as the kernel lists them, sorted: `address`,
 * `network/len`, then ` timeout N` (seconds left) and ` comment "..."` where there are any.
 */
export async function kernelEntries(ns: Netns, b: Backend, set: string, family: 4 | 6 = 4): Promise<string[]> {
  const out: string[] = [];
  if (b === 'iptables') {
    const name = family === 6 ? `${set}-v6` : set;
    const r = await ns.exec('ipset', ['save', name]);
    for (const l of String(r.stdout).split('\n')) if (l.startsWith(`add ${name} `)) out.push(l.split(' ').slice(2).join(' '));
  } else {
    // One hash set per prefix length: `set/ip` (addresses), `set/ip/24` (network addresses of /24s).
    const base = `${set}/ip${family === 6 ? '6' : ''}`;
    for (const name of await nftKernelSets(ns)) {
      const m = name === base ? [] : name.startsWith(`${base}/`) ? [name.slice(base.length + 1)] : undefined;
      if (!m) continue;
      const r = await ns.exec('nft', ['-j', 'list', 'set', 'inet', 'watcher', name]);
      if (r.exitCode !== 0) continue;
      for (const o of (JSON.parse(String(r.stdout)) as { nftables: { set?: { elem?: NftElem[] } }[] }).nftables) {
        for (const e of o.set?.elem ?? []) out.push(m.length ? nftText(e).replace(/^(\S+)/, `$1/${m[0]}`) : nftText(e));
      }
    }
  }
  return out.sort();
}

/** The names of the sets in Watcher's nftables table (`-t`: no element is read). */
async function nftKernelSets(ns: Netns): Promise<string[]> {
  const r = await ns.exec('nft', ['-t', '-j', 'list', 'sets', 'inet']);
  if (r.exitCode !== 0) return [];
  return (JSON.parse(String(r.stdout)) as { nftables: { set?: { name: string; table: string } }[] }).nftables
    .filter((o) => o.set?.table === 'watcher').map((o) => o.set!.name);
}

/** Both families of a set, addresses only (no timeout or comment), sorted. */
export async function kernelNets(ns: Netns, b: Backend, set: string): Promise<string[]> {
  return [...await kernelEntries(ns, b, set, 4), ...await kernelEntries(ns, b, set, 6)].map((e) => e.split(' ')[0]).sort();
}

/** The kernel's whole picture of Watcher's firewall, as text to compare before and after. */
export async function kernelRuleset(ns: Netns, b: Backend): Promise<string> {
  if (b === 'nftables') return String((await ns.exec('nft', ['list', 'table', 'inet', 'watcher'])).stdout);
  return [await ns.ok('iptables', ['-S']), await ns.ok('ip6tables', ['-S']), await ns.ok('ipset', ['list', '-t'])].join('\n');
}

/** Watcher's set rules in evaluation order, as `verdict set` ("accept whitelist", "drop blacklist"). */
export async function kernelChain(ns: Netns, b: Backend): Promise<string[]> {
  if (b === 'iptables') {
    return (await ns.ok('iptables', ['-S', 'WATCHER'])).split('\n').map((l) => /--match-set (\S+) src -j (ACCEPT|DROP)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'watcher-own').map((m) => `${m[2].toLowerCase()} ${m[1]}`);
  }
  const input = await ns.ok('nft', ['list', 'chain', 'inet', 'watcher', 'input']);
  return [...input.matchAll(/jump (\S+)\/(accept|drop)/g)].map((m) => `${m[2]} ${m[1]}`);
}

/** Does anything of Watcher's stay in the kernel for this backend? (after a destroy or a switch) */
export async function kernelHasWatcher(ns: Netns, b: Backend): Promise<boolean> {
  if (b === 'nftables') return (await ns.exec('nft', ['list', 'table', 'inet', 'watcher'])).exitCode === 0;
  const ipt = (await ns.ok('iptables', ['-S'])) + (await ns.ok('ip6tables', ['-S']));
  return ipt.includes('WATCHER') || /^watcher-(sets|own)$/m.test(String((await ns.exec('ipset', ['list', '-n'])).stdout));
}

/** The Flushload line of a set replaced inside the load: its swap (ipset), its chain made again with its kernel sets (nft). */
export function replacesLine(b: Backend, set: string): string {
  return b === 'iptables' ? `swap ${set}-new ${set}\n` : `delete chain inet watcher ${set}/${set === 'whitelist' ? 'accept' : 'drop'}\n`;
}

/** Put an address into a set behind Watcher's back (what a reload must leave alone or replace), with a timeout in seconds for tarpit. */
export async function kernelAdd(ns: Netns, b: Backend, set: string, address: string, timeout?: number): Promise<void> {
  const six = address.includes(':');
  if (b === 'iptables') await ns.ok('ipset', ['add', six ? `${set}-v6` : set, address, ...(timeout === undefined ? [] : ['timeout', String(timeout)])]);
  else {
    // A network goes to the hash set of its prefix length, as its network address.
    const [addr, len] = address.split('/');
    const kernel = `${set}/ip${six ? '6' : ''}${len === undefined ? '' : `/${len}`}`;
    if (len !== undefined) await ns.ok('nft', ['add', 'set', 'inet', 'watcher', kernel, `{ type ${six ? 'ipv6' : 'ipv4'}_addr;${timeout === undefined ? '' : ' flags timeout;'} }`]);
    await ns.ok('nft', ['add', 'element', 'inet', 'watcher', kernel, `{ ${addr}${timeout === undefined ? '' : ` timeout ${timeout}s`} }`]);
  }
}

/** Empty a set behind Watcher's back, both families and every prefix set (what a load must fill again). */
export async function kernelFlush(ns: Netns, b: Backend, set: string): Promise<void> {
  if (b === 'iptables') for (const name of [set, `${set}-v6`]) await ns.ok('ipset', ['flush', name]);
  else {
    for (const name of await nftKernelSets(ns)) {
      if (name === `${set}/ip` || name === `${set}/ip6` || name.startsWith(`${set}/ip/`) || name.startsWith(`${set}/ip6/`)) await ns.ok('nft', ['flush', 'set', 'inet', 'watcher', name]);
    }
  }
}

/** Sets being built beside a live one, left over (ipset's `<name>-new`; nftables builds none). */
export async function kernelCopies(ns: Netns, b: Backend): Promise<string[]> {
  if (b === 'nftables') return [];
  return String((await ns.exec('ipset', ['list', '-n'])).stdout).split('\n').filter((n) => n.endsWith('-new'));
}

/** The program of a backend's live channel (one long-lived process per channel). */
export const channelProgram = (b: Backend): string => (b === 'nftables' ? 'nft' : 'ipset');
