// The firewall factory: the backend named by the FIREWALL setting.
import { WatcherError, EX_CONFIG } from '../core/exit.js';
import { openIpsetFirewall } from './ipset.js';
import { openNftFirewall } from './nft.js';
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
