// The programs of a module, bound to its definition: Watch<XX>, Load, Expire, Stat, Prep, <XX>injector.
import { join } from 'node:path';
import { runProgram } from '../core/cli.js';
import { WatcherError, EX_USAGE, EX_TEMPFAIL } from '../core/exit.js';
import { normalizeAddress } from '../net/address.js';
import { systemClock } from '../core/clock.js';
import type { ModuleDef } from './def.js';
import { openModule, openInjector } from './context.js';
import { BUSY_MS } from './db.js';
import { runModule } from './run.js';
import { writeLoadfile } from './load.js';
import { expireRows } from './expire.js';
import { makeStatistics } from './stat.js';
import { prepareDatabase } from './prep.js';
import { MODULE_KEYS } from '../../../common.conf.js';

/** Watch<XX>: the scanner, in the foreground until SIGTERM. */
export function runWatchProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({ name: def.name, describe: `${def.name}: read $FIFO_BASE/${def.name}, match the rules, count affairs, tarpit and drop (SIGHUP reloads the rules)`, run: () => runModule(def) }, argv);
}

/** Load<XX>: the module's Loadfile from its DROP rows. */
export function runLoadProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: `Load${def.token}`, describe: `write Loadfiles/Loadfile-${def.name} from the DROP rows of the database`,
    run: () => {
      const { conf, paths } = openModule(def);
      const t0 = systemClock.mono();
      const tty = process.stderr.isTTY;
      const r = writeLoadfile(def, conf, paths, tty ? (n) => process.stderr.write(`\r${n} entries…`) : undefined);
      if (tty) process.stderr.write('\r');
      process.stdout.write(`Load${def.token}: ${r.custody} custody and ${r.tarpit} tarpit entries in ${r.file} (${((systemClock.mono() - t0) / 1000).toFixed(2)} s)\n`);
    },
  }, argv);
}

/** The days argument of an Expire: a whole number in the range of EXPIRATIONDAYS, else exit 64. */
export function checkDays(days: string | undefined): void {
  const { min, max } = MODULE_KEYS.EXPIRATIONDAYS;
  if (days !== undefined && !(/^\d{1,9}$/.test(days) && Number(days) >= min && Number(days) <= max)) {
    throw new WatcherError(`days must be a whole number from ${min} to ${max} (the range of EXPIRATIONDAYS), not ${JSON.stringify(days)}`, EX_USAGE);
  }
}

/** Expire<XX> [days]: rows older than days (EXPIRATIONDAYS) out of database and firewall. */
export function runExpireProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: `Expire${def.token}`, describe: `remove addresses not seen for [days] (default EXPIRATIONDAYS) from the database and the firewall`,
    options: (y) => y.command('$0 [days]', 'expire', (c) => c.positional('days', { type: 'string' })),
    run: async (a: { days?: string }) => {
      checkDays(a.days);
      const { conf, paths, log } = openModule(def);
      const days = a.days !== undefined ? Number(a.days) : conf.EXPIRATIONDAYS;
      const r = await expireRows(def, conf, paths, days);
      const msg = `Expire${def.token}: ${r.removed} addresses not seen since ${r.cutoff} (${days} days) removed, ${r.custody} of them from custody${r.kept ? ` (${r.kept} kept there: another module still drops them)` : ''}; ${r.loadfile} written again`;
      log.write(msg);
      log.close();
      process.stdout.write(`${msg}\n`);
    },
  }, argv);
}

/** Stat<XX>: statistics CSV, mailed to REPORTMAIL. */
export function runStatProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: `Stat${def.token}`, describe: `write Statistics-${def.token}.csv (introduced and dropped per day) and mail it to REPORTMAIL`,
    run: async () => {
      const { conf, paths } = openModule(def);
      const r = await makeStatistics(def, conf, paths);
      const also = r.instances ? ` and ${r.instances}` : '';
      process.stdout.write(r.sent ? `Stat${def.token}: ${r.days} days in ${r.file}${also}, mailed to ${conf.REPORTMAIL} via ${r.sent}\n` : `Stat${def.token}: ${r.days} days written to ${r.file}${also} (REPORTMAIL is empty: not mailed)\n`);
    },
  }, argv);
}

/** Prep: the database from Schema where missing (master/Prep links the tools into TOOLPATH). */
export function runPrepProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: 'Prep', describe: `prepare ${def.name}: its database from Schema where missing (running it twice is harmless)`,
    run: () => {
      const { paths } = openModule(def);
      process.stdout.write(`${def.name}: ${prepareDatabase(paths)}\n`);
    },
  }, argv);
}

/** <XX>injector ADDR [penalty]: one affair by hand, as if a rule had matched. */
export function runInjectorProgram(def: ModuleDef, argv: string[]): Promise<number> {
  const name = `${def.token}injector`;
  return runProgram({
    name, describe: `count one affair for ADDR in ${def.name} as if a rule had matched (rule '${name}')`,
    options: (y) => y.command('$0 <address> [penalty]', 'inject', (c) => c.positional('address', { type: 'string' }).positional('penalty', { type: 'string' })),
    run: async (a: { address: string; penalty?: string }) => {
      const address = normalizeAddress(String(a.address));
      if (!address) throw new WatcherError(`not an IPv4 or IPv6 address: ${JSON.stringify(a.address)}`, EX_USAGE);
      if (a.penalty !== undefined && !/^[1-9]\d?$/.test(a.penalty)) throw new WatcherError(`penalty must be a whole number from 1, not ${JSON.stringify(a.penalty)}`, EX_USAGE);
      const { conf, paths, log } = openModule(def);
      const out = { on: true, write: (m: string) => process.stdout.write(`${m}\n`) };
      const inj = await openInjector(def, conf, paths, out, { write: (m) => { log.write(m); out.write(m); } }, undefined, BUSY_MS);
      inj.injector.submit({ address, rule: name, penalty: a.penalty !== undefined ? Number(a.penalty) : undefined, t0: systemClock.mono() });
      // The connection waits BUSY_MS for the lock; a database refusing longer is said, not waited for.
      const left = await inj.injector.stop(systemClock.mono() + BUSY_MS, conf.DNS_TIMEOUT + 200);
      await inj.close();
      if (left.length) {
        const why = inj.injector.backlog.problem;
        const msg = why ? `the database refuses writes (${why}): the firewall has it, the database not` : 'no DNS answer in time: not counted';
        log.write(`${name} ${address}: ${msg}`);
        log.close();
        throw new WatcherError(`${address}: ${msg}; run ${name} again`, EX_TEMPFAIL);
      }
      log.close();
      return inj.counters.injected === 1 || inj.counters.spared === 1 ? 0 : 1;
    },
  }, argv);
}
