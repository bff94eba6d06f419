// A WatchLG in a sandbox: own installation, network namespace, dnsmasq; helpers to drive it.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultPromise } from 'execa';
import { makeInstallation, type Installation } from '../../helpers/install.js';
import { Netns, requireTools } from '../../helpers/netns.js';
import { startDns, type DnsServer } from '../../helpers/dns.js';

export interface Sandbox {
  inst: Installation;
  ns: Netns;
  dns: DnsServer;
  /** Run a program of the installation inside the namespace to completion. */
  run(rel: string, args?: string[]): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  /** Start a long-running program inside the namespace. */
  start(rel: string, args?: string[]): ResultPromise;
  fifo: string;
  feed(lines: string[]): void;
  status(): Record<string, unknown> | undefined;
  waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms?: number): Promise<T>;
  row(address: string): Record<string, unknown> | undefined;
  /** Entries of a kernel set (ipset list), address -> timeout (or 0). */
  members(set: string): Promise<Map<string, number>>;
  log(): string;
  trace(): string;
  close(): Promise<void>;
}

export async function makeSandbox(conf: string): Promise<Sandbox> {
  requireTools(['ipset', 'iptables', 'dnsmasq']);
  const inst = makeInstallation();
  const ns = await Netns.create();
  const dns = await startDns(ns);
  inst.write('modules/WatchLG/WatchLG.conf', `DNS_SERVER=${dns.server}\nDNS_TIMEOUT=1000\n${conf}\n`);
  const env = { ...process.env, ...inst.env };
  const fifo = join(inst.fifoBase, 'WatchLG');
  const sb: Sandbox = {
    inst, ns, dns, fifo,
    run: async (rel, args = []) => {
      const r = await ns.exec(process.execPath, [join(inst.root, rel), ...args], { env });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    start: (rel, args = []) => ns.exec(process.execPath, [join(inst.root, rel), ...args], { env }) as ResultPromise,
    feed: (lines) => appendFileSync(fifo, lines.map((l) => `${l}\n`).join('')),
    status: () => {
      const p = join(inst.runDir, 'WatchLG.status');
      return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
    },
    waitFor: async (what, probe, ms = 10_000) => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await probe();
        if (v !== undefined && v !== false) return v as never;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    row: (address) => {
      const db = new Database(join(inst.root, 'modules/WatchLG/WatchLG.db'), { readonly: true });
      try { return db.prepare('SELECT * FROM bandits WHERE address = ?').get(address) as Record<string, unknown> | undefined; } finally { db.close(); }
    },
    members: async (set) => {
      const out = new Map<string, number>();
      for (const kernel of [set, `${set}-v6`]) {
        const r = await ns.exec('ipset', ['list', kernel]);
        for (const line of String(r.stdout).split('\n')) {
          const m = /^([0-9a-f:.\/]+)(?: timeout (\d+))?/.exec(line);
          if (m && /[.:]/.test(m[1]) && !line.startsWith('Name')) out.set(m[1], m[2] ? Number(m[2]) : 0);
        }
      }
      return out;
    },
    log: () => { const p = join(inst.logDir, 'WatchLG.log'); return existsSync(p) ? readFileSync(p, 'utf8') : ''; },
    trace: () => { const p = join(inst.root, 'modules/WatchLG/WatchLG.trace'); return existsSync(p) ? readFileSync(p, 'utf8') : ''; },
    close: async () => { await dns.stop(); await ns.destroy(); inst.remove(); },
  };
  return sb;
}
