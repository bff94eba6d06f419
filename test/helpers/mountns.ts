// A private mount namespace inside a network namespace, held by a child process: a server started
// in it sees its own /dev (null, zero, random, urandom, tty) whose log is a private logger's socket.
import { readlinkSync, rmSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import type { Netns } from './netns.js';

export interface MountNs {
  holder: ResultPromise;
  /** nsenter's arguments that run `cmd args` in the mount and network namespaces. */
  enter(cmd: string, args: string[]): string[];
  /** Run a command inside; throws with its stderr when it fails. */
  inside(cmd: string, ...args: string[]): Promise<void>;
  close(): Promise<void>;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A mount namespace in ns whose /dev is a tmpfs with the usual devices and `logSocket` as /dev/log. */
export async function privateMounts(ns: Netns, logSocket: string, what = 'sandbox'): Promise<MountNs> {
  const holder = ns.exec('unshare', ['-m', '--propagation', 'private', '--', 'cat'], { stdin: 'pipe', cleanup: true });
  const hp = holder.pid!;
  const mine = readlinkSync('/proc/self/ns/mnt');
  for (let i = 0; i < 200; i++) { try { if (readlinkSync(`/proc/${hp}/ns/mnt`) !== mine) break; } catch { /* not yet */ } await wait(10); }
  const enter = (cmd: string, args: string[]) => ['-t', String(hp), '-m', '-n', '--', cmd, ...args];
  const inside = async (cmd: string, ...args: string[]) => {
    const r = await execa('nsenter', enter(cmd, args), { reject: false });
    if (r.exitCode !== 0) throw new Error(`${what}: ${cmd} ${args.join(' ')}: ${String(r.stderr)}`);
  };
  await inside('mount', '-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/dev');
  for (const [name, major, minor] of [['null', 1, 3], ['zero', 1, 5], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]] as const) {
    await inside('mknod', '-m', '0666', `/dev/${name}`, 'c', String(major), String(minor));
  }
  await inside('touch', '/dev/log');
  await inside('mount', '--bind', logSocket, '/dev/log');
  return { holder, enter, inside, close: async () => { holder.kill('SIGKILL'); await holder; } };
}

export interface Served { proc: ResultPromise; output(): string; stop(): Promise<void> }

/**
 * Run a server's foreground command in the mount namespace until `listening` says so of
 * `ss -Hltn` in ns; its stop ends it, the mount namespace and removes `dir`.
 */
export async function serveInside(ns: Netns, mnt: MountNs, o: { argv: string[]; dir: string; what: string; listening(ss: string): boolean; log?: () => string; tries?: number }): Promise<Served> {
  let out = '';
  const proc = execa('nsenter', mnt.enter(o.argv[0], o.argv.slice(1)), { reject: false, cleanup: true, all: true, buffer: false });
  proc.all?.on('data', (d: Buffer) => { out += d.toString(); });
  const output = () => `${out}${o.log?.() ?? ''}`;
  const stop = async () => {
    proc.kill('SIGTERM');
    await proc;
    await mnt.close();
    rmSync(o.dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (o.listening(String((await ns.exec('ss', ['-Hltn'])).stdout))) break;
    if (i > (o.tries ?? 100) || proc.exitCode !== null) { await stop(); throw new Error(`${o.what} did not listen: ${output()}`); }
    await wait(50);
  }
  return { proc, output, stop };
}
