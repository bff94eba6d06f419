// A WatchMX + WatchMB pair in a sandbox: own installation, network namespace, dnsmasq.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultPromise } from 'execa';
import { makeInstallation, type Installation } from '../../helpers/install.js';
import { Netns, requireTools } from '../../helpers/netns.js';
import { startDns, type DnsServer } from '../../helpers/dns.js';

export type Name = 'WatchMX' | 'WatchMB';

export interface MailSandbox {
  inst: Installation;
  ns: Netns;
  dns: DnsServer;
  run(rel: string, args?: string[]): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  start(rel: string, args?: string[]): ResultPromise;
  /** Write lines into a module's FIFO (the system logger's part). */
  feed(lines: string[], to?: Name): void;
  status(name: Name): Record<string, unknown> | undefined;
  pid(name: Name): number | undefined;
  waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms?: number): Promise<T>;
  row(address: string): Record<string, unknown> | undefined;
  query<T>(sql: string, ...args: unknown[]): T[];
  members(set: string): Promise<Map<string, number>>;
  log(name: Name): string;
  trace(name: Name): string;
  close(): Promise<void>;
}

/** `conf` goes into both WatchMX.conf and WatchMB.conf, after the DNS settings. */
export async function makeMailSandbox(conf: string, opts: { dns?: boolean } = {}): Promise<MailSandbox> {
  requireTools(['ipset', 'iptables', 'dnsmasq']);
  const inst = makeInstallation();
  const ns = await Netns.create();
  const dns = await startDns(ns);
  const dnsConf = opts.dns === false ? 'DNS_SERVER=off' : `DNS_SERVER=${dns.server}\nDNS_TIMEOUT=1000`;
  for (const n of ['WatchMX', 'WatchMB']) inst.write(`modules/${n}/${n}.conf`, `${dnsConf}\n${conf}\n`);
  const env = { ...process.env, ...inst.env };
  const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const withDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(join(inst.root, 'modules/WatchMX/WatchMX.db'), { readonly: true });
    try { return fn(db); } finally { db.close(); }
  };
  const sb: MailSandbox = {
    inst, ns, dns,
    run: async (rel, args = []) => {
      const r = await ns.exec(process.execPath, [join(inst.root, rel), ...args], { env });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    start: (rel, args = []) => ns.exec(process.execPath, [join(inst.root, rel), ...args], { env }) as ResultPromise,
    feed: (lines, to = 'WatchMX') => appendFileSync(join(inst.fifoBase, to), lines.map((l) => `${l}\n`).join('')),
    status: (name) => { const s = read(join(inst.runDir, `${name}.status`)); return s ? JSON.parse(s) : undefined; },
    pid: (name) => { const s = read(join(inst.runDir, `${name}.pid`)).trim(); return s ? Number(s) : undefined; },
    waitFor: async (what, probe, ms = 10_000) => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await probe();
        if (v !== undefined && v !== false) return v as never;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    row: (address) => withDb((db) => db.prepare('SELECT * FROM bandits WHERE address = ?').get(address) as Record<string, unknown> | undefined),
    query: (sql, ...args) => withDb((db) => db.prepare(sql).all(...args) as never),
    members: async (set) => {
      const out = new Map<string, number>();
      for (const kernel of [set, `${set}-v6`]) {
        const r = await ns.exec('ipset', ['list', kernel]);
        for (const line of String(r.stdout).split('\n')) {
          const m = /^([0-9a-f:./]+)(?: timeout (\d+))?/.exec(line);
          if (m && /[.:]/.test(m[1])) out.set(m[1], m[2] ? Number(m[2]) : 0);
        }
      }
      return out;
    },
    log: (name) => read(join(inst.logDir, `${name}.log`)),
    trace: (name) => read(join(inst.root, `modules/${name}/${name}.trace`)),
    close: async () => { await dns.stop(); await ns.destroy(); inst.remove(); },
  };
  return sb;
}
