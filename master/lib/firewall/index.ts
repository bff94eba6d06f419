// The firewall factory: the backend named by the FIREWALL setting.
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { openIpsetFirewall } from './ipset.js';
import { openNftFirewall } from './nft.js';
import { findProgram } from '../core/runner.js';
import type { Firewall } from './types.js';

export * from './types.js';

/** Open the firewall backend the configuration names (iptables + ipset by default). */
export function openFirewall(conf: { FIREWALL: string }): Firewall {
  switch (conf.FIREWALL) {
    case 'iptables': return openIpsetFirewall();
    case 'nftables': return openNftFirewall();
    default: throw new WatcherError(`FIREWALL=${JSON.stringify(conf.FIREWALL)}: unknown backend (iptables or nftables)`, EX_CONFIG);
  }
}

/**
 * Remove what the other backend left (after FIREWALL was changed): Watcher's iptables chain and
 * ipsets, or its nftables table. A backend whose tools are not installed left nothing. Returns
 * the name of the backend cleaned, or undefined when there was nothing to remove.
 */
export async function destroyOtherBackend(conf: { FIREWALL: string }): Promise<string | undefined> {
  const other = conf.FIREWALL === 'nftables' ? 'iptables' : 'nftables';
  if (!(other === 'nftables' ? ['nft'] : ['ipset', 'iptables', 'ip6tables']).every((p) => findProgram(p))) return undefined;
  const fw = other === 'nftables' ? openNftFirewall() : openIpsetFirewall();
  const had = (await fw.sets()).length > 0;
  await fw.destroy();
  return had ? other : undefined;
}
