// A private network namespace for a test: real ipset, iptables and nft, invisible to the host.
import { execa, type Options, type ResultPromise } from 'execa';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** Fail (never skip) when a real component is missing: the message says what to install. */
export function requireTools(tools: string[]): void {
  const path = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  const missing = tools.filter((t) => !path.some((d) => { try { accessSync(join(d, t), constants.X_OK); return true; } catch { return false; } }));
  if (missing.length) throw new Error(`real component missing: ${missing.join(', ')} (run .ci/run or install the Debian packages it lists)`);
}

const rootless = (): boolean => process.getuid?.() !== 0;

/** A network namespace held open by a child process; commands run in it through nsenter. */
export class Netns {
  private constructor(readonly holder: ResultPromise, readonly pid: number) {}

  /** Create a namespace (`unshare -n` as root, `unshare -rn` otherwise) with loopback up. */
  static async create(): Promise<Netns> {
    requireTools(['unshare', 'nsenter', 'ip']);
    const holder = execa('unshare', [rootless() ? '-rn' : '-n', '--', 'cat'], { stdin: 'pipe', reject: false, cleanup: true });
    const pid = holder.pid;
    if (!pid) throw new Error('unshare did not start');
    // Wait until the child is in its own namespace (its ns link differs from ours).
    const { readlinkSync } = await import('node:fs');
    const mine = readlinkSync('/proc/self/ns/net');
    for (let i = 0; i < 200; i++) {
      try { if (readlinkSync(`/proc/${pid}/ns/net`) !== mine) break; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 10));
    }
    const ns = new Netns(holder, pid);
    await ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** The nsenter prefix that puts a command into this namespace. */
  prefix(): string[] {
    return ['nsenter', ...(rootless() ? [`--user=/proc/${this.pid}/ns/user`, '--preserve-credentials'] : []), `--net=/proc/${this.pid}/ns/net`, '--'];
  }

  /** Run a command inside the namespace; never throws on a non-zero exit. */
  exec(cmd: string, args: string[] = [], opts: Options = {}) {
    const [p, ...rest] = this.prefix();
    return execa(p, [...rest, cmd, ...args], { reject: false, ...opts });
  }

  /** Run a command inside and throw with its stderr when it fails. */
  async ok(cmd: string, args: string[] = [], opts: Options = {}): Promise<string> {
    const r = await this.exec(cmd, args, opts);
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.exitCode}: ${String(r.stderr)}`);
    return String(r.stdout);
  }

  /** End the namespace (its sets, chains and links go with it). */
  async destroy(): Promise<void> {
    this.holder.kill('SIGKILL');
    await this.holder;
  }
}

/** Two namespaces joined by a veth pair: a gets addrA, b gets addrB (/24). */
export async function joinVeth(a: Netns, b: Netns, addrA: string, addrB: string, names = ['wa0', 'wb0']): Promise<void> {
  await a.ok('ip', ['link', 'add', names[0], 'type', 'veth', 'peer', 'name', names[1], 'netns', String(b.pid)]);
  await a.ok('ip', ['addr', 'add', `${addrA}/24`, 'dev', names[0]]);
  await a.ok('ip', ['link', 'set', names[0], 'up']);
  await b.ok('ip', ['addr', 'add', `${addrB}/24`, 'dev', names[1]]);
  await b.ok('ip', ['link', 'set', names[1], 'up']);
}
