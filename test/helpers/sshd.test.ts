// A real OpenSSH server under attack: failed logins reach the WatchLG FIFO through the private rsyslogd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, joinVeth } from './netns.js';
import { startRsyslog, type PrivateRsyslog } from './rsyslog.js';
import { startSshd, sshLogin, type SshServer } from './sshd.js';
import { FifoReader } from './fifo-reader.js';

describe('OpenSSH server, attacker and good client in three namespaces', () => {
  let server: Netns, attacker: Netns, good: Netns;
  let rs: PrivateRsyslog, sshd: SshServer, reader: FifoReader;
  beforeAll(async () => {
    [server, attacker, good] = await Promise.all([Netns.create(), Netns.create(), Netns.create()]);
    await joinVeth(server, attacker, '10.77.0.1', '10.77.0.2', ['wsa0', 'wat0']);
    await joinVeth(server, good, '10.78.0.1', '10.78.0.3', ['wsg0', 'wgd0']);
    rs = await startRsyslog();
    reader = new FifoReader(`${rs.fifoBase}/WatchLG`);
    sshd = await startSshd(server, { listen: ['10.77.0.1', '10.78.0.1'], logSocket: rs.socket });
  }, 60_000);
  afterAll(async () => {
    reader?.close();
    await sshd?.stop();
    await rs?.stop();
    await Promise.all([server, attacker, good].map((n) => n?.destroy()));
  });

  it('logs each failed password of the attacker into WatchLG with the attacker\'s address', async () => {
    for (const [user, pass] of [['watchtest', 'wrong-1'], ['watchtest', 'wrong-2'], ['root', 'toor']]) {
      const r = await sshLogin(attacker, '10.77.0.1', user, pass);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('Permission denied (password)');
    }
    const failed = (l: string[]) => l.filter((x) => / sshd\[\d+\]: Failed password for (invalid user )?\S+ from 10\.77\.0\.2 port \d+ ssh2$/.test(x));
    await reader.waitFor((l) => failed(l).length >= 3, 20_000, '3 failed-password lines');
    expect(failed(reader.lines).map((l) => /for (invalid user )?(\S+) from/.exec(l)?.[2])).toEqual(['watchtest', 'watchtest', 'root']);
  });

  it('lets the good client in, and that login is logged too', async () => {
    const r = await sshLogin(good, '10.78.0.1', sshd.user, sshd.password, 'echo logged-in-as-$(id -un)');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('logged-in-as-watchtest');
    await reader.waitFor((l) => l.some((x) => / sshd\[\d+\]: Accepted password for watchtest from 10\.78\.0\.3 port \d+ ssh2$/.test(x)), 20_000, 'the accepted login');
  });
});
