// A real DNS server for tests: dnsmasq (Debian dnsmasq-base) on a loopback port, answering
// PTR and A for a TRUEHOST, a FAKEHOST and nothing (NXDOMAIN) for a third address.
import { execa, type ResultPromise } from 'execa';
import { createSocket, type Socket } from 'node:dgram';
import { requireTools, type Netns } from './netns.js';

export const TRUEHOST = { address: '192.0.2.10', name: 'true.example.test' };
export const FAKEHOST = { address: '192.0.2.20', name: 'fake.example.test', points: '192.0.2.99' };
export const NXDOMAIN = { address: '192.0.2.30' };
export const TRUEHOST6 = { address: '2001:db8::10', name: 'true6.example.test' };

export interface DnsServer { server: string; port: number; stop(): Promise<void> }

function dnsmasqArgs(port: number): string[] {
  return [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=',
    '--user=root', '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${port}`, '--log-facility=-',
    '--local=/test/', '--local=/in-addr.arpa/', '--local=/ip6.arpa/',
    `--host-record=${TRUEHOST.name},${TRUEHOST.address}`,
    `--host-record=${TRUEHOST6.name},${TRUEHOST6.address}`,
    `--ptr-record=20.2.0.192.in-addr.arpa,${FAKEHOST.name}`,
    `--address=/${FAKEHOST.name}/${FAKEHOST.points}`,
  ];
}

/** Start dnsmasq on 127.0.0.1 (inside `ns` when given); resolves when it answers. */
export async function startDns(ns?: Netns): Promise<DnsServer> {
  requireTools(['dnsmasq']);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const [cmd, ...pre] = ns ? ns.prefix() : [];
    const child: ResultPromise = ns ? execa(cmd, [...pre, 'dnsmasq', ...dnsmasqArgs(port)], { reject: false }) : execa('dnsmasq', dnsmasqArgs(port), { reject: false });
    let err = '';
    child.stderr?.on('data', (d) => { err += d; });
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      if (err.includes('started, version')) {
        return { server: `127.0.0.1:${port}`, port, stop: async () => { child.kill('SIGTERM'); await child; } };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await child;
    if (!/Address already in use/.test(err)) throw new Error(`dnsmasq did not start: ${err}`);
  }
  throw new Error('dnsmasq: no free port');
}

/** A UDP port on loopback that receives queries and never answers (a DNS timeout). */
export async function startSilentDns(): Promise<{ server: string; stop(): Promise<void> }> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port } = sock.address();
  return { server: `127.0.0.1:${port}`, stop: () => new Promise((r) => sock.close(() => r())) };
}

/**
 * dnsmasq answering A and AAAA for `records` (name -> addresses) on 127.0.0.1 (inside `ns`);
 * `port` reuses a port, so a test can restart it with other answers (a dynamic-DNS name that moves).
 */
export async function startNameServer(records: Record<string, string[]>, ns: Netns, port = 20000 + Math.floor(Math.random() * 40000)): Promise<DnsServer> {
  requireTools(['dnsmasq']);
  const args = [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=', '--user=root',
    '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${port}`, '--log-facility=-', '--local=/test/',
    ...Object.entries(records).map(([name, addrs]) => `--host-record=${name},${addrs.join(',')}`),
  ];
  const [cmd, ...pre] = ns.prefix();
  const child: ResultPromise = execa(cmd, [...pre, 'dnsmasq', ...args], { reject: false });
  let err = '';
  child.stderr?.on('data', (d) => { err += d; });
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    if (err.includes('started, version')) return { server: `127.0.0.1:${port}`, port, stop: async () => { child.kill('SIGTERM'); await child; } };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await child;
  throw new Error(`dnsmasq did not start on port ${port}: ${err}`);
}
