// bench/corpus.ts compares Watcher with the peers line by line: recall per fail2ban mode
// section, and sshguard's catch against Watcher's (same address, not just any).
import { describe, expect, it } from 'vitest';
import { tallyPeers, type PeerLine } from '../../bench/corpus-peers.js';

const line = (l: Partial<PeerLine>): PeerLine => ({ chain: 'WatchLG', file: 'sshd', text: 'x', peers: true, ...l });

describe('tallyPeers', () => {
  it('counts recall per mode section and sshguard\'s lines Watcher injects with the same address', () => {
    const t = tallyPeers([
      line({ f2b: '192.0.2.1', section: 'default', sshg: '192.0.2.1', normal: '192.0.2.1', strict: '192.0.2.1' }),
      line({ f2b: '192.0.2.2', section: 'default', sshg: '10.9.9.9', normal: '192.0.2.2', strict: '192.0.2.2' }),
      line({ f2b: '192.0.2.3', section: 'ddos|aggressive', strict: '192.0.2.3' }),
      line({ sshg: '192.0.2.4', strict: '192.0.2.4' }),
      line({ file: 'apache-auth', chain: 'WatchWB', f2b: '192.0.2.5', section: 'default', peers: false, normal: '192.0.2.5', strict: '192.0.2.5' }),
    ]);
    expect(t.modes).toEqual([
      ['WatchLG', 'sshd', 'default', 2, '2 (100%)', '2 (100%)'],
      ['WatchLG', 'sshd', 'ddos|aggressive', 1, '0 (0%)', '1 (100%)'],
      ['WatchWB', 'apache-auth', 'default', 1, '1 (100%)', '1 (100%)'],
    ]);
    // sshg 3 lines: one with fail2ban's address, one with another, one fail2ban does not match;
    // Watcher has sshguard's address on 1 at normal, 2 at strict; fail2ban's lines sshguard
    // misses or names otherwise: 2, Watcher right on 1 / 2 of them.
    expect(t.sshg).toEqual([['WatchLG', 'sshd', 3, 1, 1, 1, '1 (33%)', '2 (67%)', 2, 1, 2]]);
  });
});
