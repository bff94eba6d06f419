// Modules in a sandbox: own installation, network namespace and dnsmasq; the helpers every module
// test drives them with, and the master service around them (Prep, watcher start, status, stop).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultPromise } from 'execa';
import { expect } from 'vitest';
import { startDns, type DnsServer } from './dns.js';
import { makeInstallation, type Installation } from './install.js';
import type { ProgramResult } from './master.js';
import { Netns, requireTools } from './netns.js';
import { firewallLine, kernelEntries, requireBackend, type Backend } from './backends.js';

export interface ModuleSandbox {
  inst: Installation;
  ns: Netns;
  dns: DnsServer;
  /** The firewall backend of the installation (FIREWALL in watcher.conf). */
  backend: Backend;
  /** Run a program of the installation inside the namespace to completion. */
  run(rel: string, args?: string[]): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  /** Start a long-running program inside the namespace. */
  start(rel: string, args?: string[]): ResultPromise;
  /** The module's status file (RUN_DIR/<name>.status), parsed; undefined while there is none. */
  statusOf(name: string): Record<string, unknown> | undefined;
  waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms?: number): Promise<T>;
  /** Entries of a set, both families, read with the backend's own tool: address -> timeout left (or 0). */
  members(set: string): Promise<Map<string, number>>;
  /** Run `fn` on the module's database, opened read-only. */
  withDb<T>(name: string, fn: (db: Database.Database) => T): T;
  /** A file's text; '' while it does not exist. */
  read(path: string): string;
  close(): Promise<void>;
}

/** Options of a module sandbox: no DNS server (DNS_SERVER=off), the firewall backend (iptables by default). */
export interface SandboxOptions { dns?: boolean; backend?: Backend }

/** Sandbox for `modules`; each gets `<name>.conf` with the sandbox's DNS server (or DNS_SERVER=off) and `conf`. */
export async function makeModuleSandbox(modules: readonly string[], conf: string, opts: SandboxOptions = {}): Promise<ModuleSandbox> {
  const backend = opts.backend ?? 'iptables';
  requireTools(['dnsmasq']);
  requireBackend(backend);
  const inst = makeInstallation();
  inst.write('watcher.conf', firewallLine(backend));
  const ns = await Netns.create();
  const dns = await startDns(ns);
  const dnsConf = opts.dns === false ? 'DNS_SERVER=off' : `DNS_SERVER=${dns.server}\nDNS_TIMEOUT=1000`;
  for (const n of modules) inst.write(`modules/${n}/${n}.conf`, `${dnsConf}\n${conf}\n`);
  const env = { ...process.env, ...inst.env };
  const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  return {
    inst, ns, dns, read, backend,
    run: async (rel, args = []) => {
      const r = await ns.exec(process.execPath, [join(inst.root, rel), ...args], { env });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    start: (rel, args = []) => ns.exec(process.execPath, [join(inst.root, rel), ...args], { env }) as ResultPromise,
    statusOf: (name) => { const s = read(join(inst.runDir, `${name}.status`)); return s ? JSON.parse(s) : undefined; },
    waitFor: async (what, probe, ms = 10_000) => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await probe();
        if (v !== undefined && v !== false) return v as never;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    members: async (set) => {
      const out = new Map<string, number>();
      for (const family of [4, 6] as const) {
        for (const e of await kernelEntries(ns, backend, set, family)) {
          const m = /^(\S+)(?: timeout (\d+))?/.exec(e);
          if (m) out.set(m[1], m[2] ? Number(m[2]) : 0);
        }
      }
      return out;
    },
    withDb: (name, fn) => {
      const db = new Database(join(inst.root, `modules/${name}/${name}.db`), { readonly: true });
      try { return fn(db); } finally { db.close(); }
    },
    close: async () => { await dns.stop(); await ns.destroy(); inst.remove(); },
  };
}

export interface ServiceOptions {
  /** Lines of watcher.conf after MODULES=<module>. */
  watcher?: string;
  /** loader.conf; default the module's own Load. */
  loader?: string;
}

/** Write watcher.conf and loader.conf for `module` and run its Prep (asserted to succeed). */
export async function prepareService(sb: ModuleSandbox, module: string, opts: ServiceOptions = {}): Promise<void> {
  sb.inst.write('watcher.conf', `MODULES=${module}\n${firewallLine(sb.backend)}${opts.watcher ?? ''}`);
  sb.inst.write('loader.conf', opts.loader ?? `modules/${module}/Load\n`);
  expect((await sb.run(`modules/${module}/Prep`)).exitCode).toBe(0);
}

/** master/watcher start (asserted to succeed); returns once `module` has written its status file. */
export async function startService(sb: ModuleSandbox, module: string): Promise<ProgramResult> {
  const start = await sb.run('master/watcher', ['start']);
  expect(start.exitCode, start.stderr).toBe(0);
  await sb.waitFor(`${module} status`, () => sb.statusOf(module));
  return { ...start, exitCode: start.exitCode ?? -1 };
}

/** For afterAll: master/watcher stop, then `parts` stopped in order, then the sandbox removed; any of them may be missing. */
export async function closeService(sb: ModuleSandbox | undefined, ...parts: ({ stop(): Promise<void> } | undefined)[]): Promise<void> {
  await sb?.run('master/watcher', ['stop']);
  for (const p of parts) await p?.stop();
  await sb?.close();
}
