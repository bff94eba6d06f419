// GeoTrack in a sandbox (test/helpers/sandbox.ts) beside WatchLG: whois servers of the registries
// running inside the namespace (bench/whois-server.ts), GeoTrack.conf pointing at them.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultPromise } from 'execa';
import { REPO } from '../../helpers/install.js';
import { makeModuleSandbox, type ModuleSandbox } from '../../helpers/sandbox.js';
import type { Backend } from '../../helpers/backends.js';

export interface GeoSandbox extends ModuleSandbox {
  /** Start the whois servers (again) inside the namespace; resolves when they listen. */
  startWhois(): Promise<void>;
  stopWhois(): Promise<void>;
  /** GeoTrack.conf: ENABLED, ZONES and the whois settings for the servers, then `extra`. */
  writeConf(extra?: string): void;
  feedLG(lines: string[]): void;
  geo<T>(fn: (db: Database.Database) => T): T;
  geoLog(): string;
}

/** GeoTrack beside WatchLG (no DNS) on the firewall backend (iptables by default). */
export async function makeGeoSandbox(lgConf: string, backend?: Backend): Promise<GeoSandbox> {
  const base = await makeModuleSandbox(['WatchLG'], lgConf, { dns: false, backend });
  let whois: ResultPromise | undefined;
  let ports = new Map<string, number>();
  let extraConf = '';
  const sb: GeoSandbox = {
    ...base,
    startWhois: async () => {
      const p = base.ns.exec(process.execPath, [join(REPO, 'dist/bench/whois-server.js')], { buffer: false }) as ResultPromise;
      whois = p;
      ports = await new Promise((resolve, reject) => {
        let out = '';
        const m = new Map<string, number>();
        p.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          for (const l of out.split('\n')) { const x = /^(\S+) (\d+)$/.exec(l); if (x) m.set(x[1], Number(x[2])); }
          if (/^ready$/m.test(out)) resolve(m);
        });
        void p.then((r) => reject(new Error(`whois servers ended: ${String(r.stderr ?? '')}`)));
      });
      sb.writeConf(extraConf);
    },
    stopWhois: async () => { if (whois && whois.exitCode === null) { whois.kill('SIGKILL'); await whois.catch(() => {}); } },
    writeConf: (extra = '') => {
      extraConf = extra;
      const hosts = [...ports].filter(([n]) => n !== 'whois.iana.org').map(([n, p]) => `${n}=127.0.0.1:${p}`).join(' ');
      base.inst.write('modules/GeoTrack/GeoTrack.conf', `ENABLED=yes\nZONES="ru cn"\nTRACE=on\nWHOIS_SERVER=127.0.0.1\nWHOIS_PORT=${ports.get('whois.iana.org') ?? 43}\nWHOIS_HOSTS="${hosts}"\nWHOIS_TIMEOUT=2000\nWHOIS_BACKOFF=1\n${extra}\n`);
    },
    feedLG: (lines) => appendFileSync(join(base.inst.fifoBase, 'WatchLG'), lines.map((l) => `${l}\n`).join('')),
    geo: (fn) => {
      const db = new Database(join(base.inst.root, 'modules/GeoTrack/geotrack.db'), { readonly: true });
      try { return fn(db); } finally { db.close(); }
    },
    geoLog: () => base.read(join(base.inst.logDir, 'GeoTrack.log')),
    close: async () => { await sb.stopWhois(); await base.close(); },
  };
  return sb;
}
