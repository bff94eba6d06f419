// What every program of a module opens: settings, log, database, firewall, whitelist guard.
import { join } from 'node:path';
import { loadModuleConf } from '../../../common.conf.js';
import { LineWriter, Trace } from '../core/log.js';
import { openDatabase, BanditStore, SCANNER_BUSY_MS } from './db.js';
import { neverBlock } from '../pool/lists.js';
import { parseNet } from '../net/address.js';
import type { NetMatcher } from '../net/netmatch.js';
import { openFirewall, type Firewall } from '../firewall/index.js';
import { DnsClassifier } from '../net/dns.js';
import { FifoWriter } from './fifo.js';
import { Injector, type Sink } from './inject.js';
import { banditOf } from './bandit.js';
import { newCounters, type Counters } from '../core/status.js';
import { MASTER_PATH } from '../core/paths.js';
import { modulePaths, type ModuleDef, type ModulePaths } from './def.js';

export type ModuleConf = ReturnType<typeof loadModuleConf>;

/** Settings, paths and log of a module. */
export function openModule(def: ModuleDef): { conf: ModuleConf; paths: ModulePaths; log: LineWriter; trace: Trace } {
  const conf = loadModuleConf(def.name);
  const paths = modulePaths(def, MASTER_PATH, conf.RULES);
  return { conf, paths, log: new LineWriter(conf.LOGFILE, def.name), trace: new Trace(paths.trace, def.name, conf.TRACE) };
}

/** What is never blocked: whitelist file, the live whitelist set, own addresses, loopback. */
export async function loadSpare(fw: Firewall): Promise<NetMatcher> {
  const m = neverBlock(MASTER_PATH);
  for (const e of await fw.list('whitelist').catch(() => [] as string[])) {
    const n = parseNet(e);
    if (n) m.add(n);
  }
  return m;
}

/** The injector of a module with everything it writes to. */
export async function openInjector(def: ModuleDef, conf: ModuleConf, paths: ModulePaths, trace: Sink, log: Sink, counters: Counters = newCounters(), busyMs = SCANNER_BUSY_MS) {
  const db = openDatabase(paths.database, paths.schema, { busyMs });
  const store = new BanditStore(db, paths.schema);
  store.onNotice = (m) => log.write(`[database] ${m}`);
  const fw = openFirewall(conf);
  await fw.ensure();
  let spare = await loadSpare(fw);
  /** Read the whitelist file and set again (on SIGHUP). */
  const reloadSpare = async (): Promise<void> => { spare = await loadSpare(fw); };
  const channel = fw.channel();
  const geo = conf.GEOTRACK !== '' ? new FifoWriter(join(conf.FIFO_BASE, 'GeoTrack')) : undefined;
  const injector = new Injector({
    store, dns: new DnsClassifier(conf), fw: channel, spare: (a) => spare.contains(a),
    bandit: (a) => banditOf(a, conf.IPV6_PREFIX, (n) => spare.overlaps(n)),
    conf, origin: def.origin ?? def.name, modClass: def.modClass, geo, counters, trace, log, maxHeld: conf.MAX_HELD_AFFAIRS,
  });
  const close = async (): Promise<void> => {
    try { await channel.sync(); } finally {
      await channel.close();
      geo?.close();
      store.close();
    }
  };
  return { store, fw, channel, injector, counters, geo, close, reloadSpare };
}
