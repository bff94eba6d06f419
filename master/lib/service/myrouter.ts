// MyRouter (cron, every minute): the administrator's dynamic-DNS names (MYROUTER) kept in the
// whitelist. Their current addresses are the lines `add whitelist ADDR comment "MyRouter NAME"`
// of Loadfiles/Loadfile-MyRouter, so every load (start, reload, full, Whitelist) keeps them;
// a change goes to the live whitelist set at once and the running modules reread it (SIGHUP).
//
// A name that does not answer keeps the addresses it had: a resolver's hiccup must never take
// the administrator's home out of the whitelist. Silent when nothing changes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDir, replaceFileMode, PRIVATE_MODE } from '../core/files.js';
import { takeLock } from '../core/lock.js';
import { parseAddress } from '../net/address.js';
import { resolveNames } from '../net/names.js';
import { readList } from '../pool/lists.js';
import { poolDir, isPoolName } from '../pool/sources.js';
import { openFirewall } from '../firewall/index.js';
import { signalModules } from '../module/processes.js';
import type { Service } from './service.js';

/** The Loadfile MyRouter keeps: its whitelist lines are the addresses of MYROUTER's names. */
export function myRouterLoadfile(master: string): string {
  return join(poolDir(master), 'Loadfile-MyRouter');
}

/** At most this long for a start or reload to finish: the next minute's run tries again. */
const LOCK_WAIT_MS = 50_000;

const LINE = /^add[ \t]+whitelist[ \t]+(\S+)[ \t]+comment[ \t]+"MyRouter ([^"]+)"/;

/** The addresses MyRouter holds now, per name (from its Loadfile; empty without one). */
export function readMyRouter(master: string): Map<string, string[]> {
  const held = new Map<string, string[]>();
  const file = myRouterLoadfile(master);
  if (!existsSync(file)) return held;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const m = LINE.exec(l);
    const a = m && parseAddress(m[1]);
    if (a) held.set(m[2], [...(held.get(m[2]) ?? []), a.text]);
  }
  return held;
}

function formatLoadfile(held: Map<string, string[]>): string {
  let s = '# Written by bin/MyRouter: the current addresses of MYROUTER (watcher.conf). Do not edit.\n';
  for (const [name, addrs] of held) for (const a of addrs) s += `add whitelist ${a} comment "MyRouter ${name}"\n`;
  return s;
}

// An address no router has: the unspecified, multicast or broadcast ones.
function refusal(address: string): string | undefined {
  const a = parseAddress(address)!;
  if (a.family === 4) {
    const first = (a.base as number) >>> 24;
    if (first === 0) return 'an address of "this network" (0.0.0.0/8)';
    if (first >= 224) return 'a multicast, reserved or broadcast address';
  } else if (a.base === 0n || (a.base as bigint) >> 120n === 0xffn) return 'the unspecified or a multicast address';
  return undefined;
}

// Whitelist entries that other sources load too (the whitelist file, other Loadfiles): kept when MyRouter lets go.
function otherWhitelist(master: string): Set<string> {
  const kept = new Set(readList('whitelist', master).nets.map((n) => n.text));
  const dir = poolDir(master);
  for (const f of existsSync(dir) ? readdirSync(dir).filter(isPoolName) : []) {
    if (f === 'Loadfile-MyRouter') continue;
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const m = /^add[ \t]+whitelist[ \t]+(\S+)/.exec(l);
      const a = m && parseAddress(m[1]);
      if (a) kept.add(a.text);
    }
  }
  return kept;
}

/** What one run did: the changes (logged), the names that did not answer (stderr, exit 69). */
export interface RouterRun { changes: string[]; failures: string[] }

/** Resolve MYROUTER, keep its addresses in Loadfile-MyRouter and the whitelist set; silent when nothing changes. */
export async function updateMyRouter(s: Service): Promise<RouterRun> {
  const names = s.conf.MYROUTER as readonly string[];
  const old = readMyRouter(s.master);
  const answers = await resolveNames(names, s.conf);
  const held = new Map<string, string[]>();
  const changes: string[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const was = old.get(name) ?? [];
    const a = answers.get(name)!;
    if ('failure' in a) {
      failures.push(`${name}: ${a.failure}; ${was.length ? `keeping ${was.join(' ')} in the whitelist` : 'nothing in the whitelist for it yet'}`);
      if (was.length) held.set(name, was);
      continue;
    }
    const good = a.addresses.filter((x) => {
      const why = refusal(x);
      if (why) failures.push(`${name}: ${x} is ${why}: not whitelisted`);
      return !why;
    });
    if (good.length === 0 && was.length) { held.set(name, was); continue; }
    held.set(name, good);
    const added = good.filter((x) => !was.includes(x));
    const gone = was.filter((x) => !good.includes(x));
    if (added.length) changes.push(`${name}: ${added.join(' ')} added to the whitelist${gone.length ? `, ${gone.join(' ')} taken out (the name moved)` : ''}`);
    else if (gone.length) changes.push(`${name}: ${gone.join(' ')} taken out of the whitelist (no longer an address of the name)`);
  }
  for (const [name, was] of old) if (!names.includes(name)) changes.push(`${name}: no longer in MYROUTER, ${was.join(' ')} taken out of the whitelist`);
  const want = new Set([...held.values()].flat());
  const drop = [...new Set([...old.values()].flat())].filter((x) => !want.has(x));
  const fw = openFirewall(s.conf);
  const text = formatLoadfile(held);
  const file = myRouterLoadfile(s.master);
  const fileChanged = (existsSync(file) ? readFileSync(file, 'utf8') : held.size ? '' : text) !== text;
  const liveNow = async () => new Set((await fw.counts()).has('whitelist') ? await fw.list('whitelist') : []);
  const seen = await liveNow();
  if (!fileChanged && drop.length === 0 && [...want].every((x) => seen.has(x))) return { changes, failures };
  // A load (start, reload, Whitelist) must not swap in a whitelist read before this change: hold the lock.
  makeDir(s.conf.RUN_DIR);
  const release = await takeLock(s.conf.RUN_DIR, { waitMs: LOCK_WAIT_MS });
  try {
    if (fileChanged) replaceFileMode(file, text, PRIVATE_MODE);
    const live = await liveNow();
    const missing = [...want].filter((x) => !live.has(x));
    if (missing.length === 0 && drop.length === 0) return { changes, failures };
    if (missing.length && changes.length === 0) changes.push(`${missing.join(' ')} put back into the whitelist set (it lacked them)`);
    await fw.ensure();
    const others = otherWhitelist(s.master);
    const ch = fw.channel();
    try {
      for (const x of missing) ch.add('whitelist', x);
      for (const x of drop) if (live.has(x) && !others.has(x)) ch.del('whitelist', x);
      await ch.sync();
    } finally { await ch.close(); }
  } finally { release(); }
  const told = signalModules(s.conf.RUN_DIR, 'SIGHUP');
  if (told.length) changes.push(`Whitelist changed: ${told.join(', ')} reread it (SIGHUP)`);
  return { changes, failures };
}
