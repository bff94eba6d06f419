// Entries the kernel's sets would refuse (a /0 network, a network or the unspecified address in
// tarpit, a timeout or a comment beyond ipset's limits, a set name too long) in the blacklist, the
// whitelist or a Loadfile: `master/watcher start` reports each with its file:line, loads the rest,
// custody keeps every DROP row of the database and the module runs, on each firewall backend. A
// load that ipset still refuses keeps the sets as they were, starts the module and exits 65.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { closeService, prepareService } from '../helpers/sandbox.js';
import { runJson } from '../helpers/script.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS, kernelCopies, kernelFlush } from '../helpers/backends.js';

const DROPS = 300;
const dropAddress = (i: number): string => `198.18.${1 + (i >> 8)}.${i & 255}`;

// Each bad line of Loadfile-bad; `kernel` is the ipset command that shows the kernel refuses it
// (run on the probe sets below); null where Watcher refuses what ipset would take wrongly.
const BAD: { line: string; reason: string; kernel: string[] | null }[] = [
  { line: 'add dyn 1.2.3.0/0', reason: "'0.0.0.0/0' is a /0 network", kernel: ['add', 'probe', '1.2.3.0/0'] },
  { line: 'add dyn ::/0', reason: "'::/0' is a /0 network", kernel: ['add', 'probe6', '::/0'] },
  { line: 'add dyn ::ffff:0.0.0.0/96', reason: "'0.0.0.0/0' is a /0 network", kernel: ['add', 'probe', '0.0.0.0/0'] },
  { line: 'add custody 0.0.0.0/0', reason: "'0.0.0.0/0' is a /0 network", kernel: ['add', 'probe', '0.0.0.0/0'] },
  { line: 'add custody ::/0', reason: "'::/0' is a /0 network", kernel: ['add', 'probe6', '::/0'] },
  { line: 'add tarpit 0.0.0.0 timeout 60', reason: 'set tarpit cannot hold the unspecified address 0.0.0.0', kernel: ['add', 'probeip', '0.0.0.0', 'timeout', '60'] },
  { line: 'add tarpit :: timeout 60', reason: 'set tarpit cannot hold the unspecified address ::', kernel: ['add', 'probeip6', '::', 'timeout', '60'] },
  { line: 'add tarpit 198.51.100.0/24 timeout 60', reason: "set tarpit takes single addresses, not '198.51.100.0/24'", kernel: null },
  { line: 'add tarpit 2001:db8::/16 timeout 60', reason: "set tarpit takes single addresses and IPv6 networks of /32 or longer, not '2001::/16'", kernel: null },
  { line: 'add tarpit 198.51.100.9 timeout 2147484', reason: "timeout '2147484' is not a number of seconds (0..2147483)", kernel: ['add', 'probeip', '198.51.100.9', 'timeout', '2147484'] },
  { line: `add dyn 203.0.113.2 comment "${'x'.repeat(256)}"`, reason: 'comment must be at most 255 bytes', kernel: ['add', 'probe', '203.0.113.2', 'comment', 'x'.repeat(256)] },
  { line: `add dyn 203.0.113.3 comment "${'é'.repeat(128)}"`, reason: 'comment must be at most 255 bytes', kernel: ['add', 'probe', '203.0.113.3', 'comment', 'é'.repeat(128)] },
  { line: 'add dyn 203.0.113.4 comment "a"b"', reason: 'unexpected', kernel: ['add', 'probe', '203.0.113.4', 'comment', 'a"b'] },
  { line: 'add dyn 203.0.113.10 comment "tab\there"', reason: 'comment must be at most 255 bytes of printable text', kernel: null },
  { line: 'add dyn 203.0.113.6 timeout 60', reason: 'set dyn has no timeouts', kernel: ['add', 'probe', '203.0.113.6', 'timeout', '60'] },
  { line: 'add abcdefghijklmnopqrstuvwxy 203.0.113.7', reason: "'abcdefghijklmnopqrstuvwxy' is not a valid set name", kernel: ['create', 'abcdefghijklmnopqrstuvwxy-v6-new', 'hash:net'] },
  { line: 'add bad!name 203.0.113.9', reason: "'bad!name' is not a valid set name", kernel: null },
];

// The good lines around them, and where each must end up.
const GOOD = [
  'add dyn 203.0.113.1',
  'add tarpit 198.51.100.10 timeout 2147483',
  `add dyn 203.0.113.5 comment "${'x'.repeat(255)}"`,
  'add a.b_c-defghijklmnopqrstu 203.0.113.8',
  'add dyn 2001:db8::7',
];

describe.each(BACKENDS)('entries the kernel would refuse, in the static lists and the load pool (%s)', (backend) => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nDNS_SERVER=off', { backend });
    await prepareService(sb, 'WatchLG');
    const db = new Database(join(sb.inst.root, 'modules/WatchLG/WatchLG.db'));
    const put = db.prepare("INSERT INTO bandits (address, class, affairs, status, rule, first_seen, last_seen, drop_time, origin) VALUES (?, 'UNRESOLVED', 5, 'DROP', 'test', ?, ?, ?, 'WatchLG')");
    const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
    db.transaction(() => { for (let i = 0; i < DROPS; i++) put.run(dropAddress(i), now, now, now); })();
    db.close();
  }, 60_000);
  afterEach(async () => {
    for (const f of ['blacklist', 'whitelist', 'Loadfiles/Loadfile-bad']) sb.inst.write(f, '');
    await sb.run('master/watcher', ['stop']);
    // As after a reboot: the kernel forgot custody, the database did not.
    await kernelFlush(sb.ns, backend, 'custody');
  });
  afterAll(() => closeService(sb));

  const members = async (set: string): Promise<string[]> => [...(await sb.members(set)).keys()].sort();
  const custodyHoldsEveryDrop = async (): Promise<void> => {
    expect((await members('custody')).length).toBe(DROPS);
    expect((await sb.members('custody')).has(dropAddress(DROPS - 1))).toBe(true);
  };
  const moduleRuns = async (): Promise<void> => {
    const st = await sb.waitFor('WatchLG status', () => sb.statusOf('WatchLG'));
    expect(() => process.kill(st.pid as number, 0)).not.toThrow();
    expect(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8').trim()).toBe(String(st.pid));
  };

  it('a /0 in the blacklist or the whitelist is reported with file:line and skipped; the rest loads and nothing is spared by it', async () => {
    const black = sb.inst.write('blacklist', '198.51.100.0/24\n0.0.0.0/0   # everything\n::/0\n2001:db8:5::/48\n');
    const white = sb.inst.write('whitelist', '192.0.2.0/24\n0.0.0.0/0 # everyone\n::/0\n');
    const r = await sb.run('master/watcher', ['start']);
    expect(r.exitCode, r.stderr).toBe(0);
    const err = r.stderr.split('\n');
    for (const [file, n, net] of [[black, 2, '0.0.0.0/0'], [black, 3, '::/0'], [white, 2, '0.0.0.0/0'], [white, 3, '::/0']] as const) {
      expect(err.find((l) => l.startsWith(`watcher: ${file}:${n}: '${net}' is a /0 network`)), r.stderr).toBeDefined();
    }
    expect(await members('blacklist')).toEqual(['198.51.100.0/24', '2001:db8:5::/48']);
    expect(await members('whitelist')).toEqual(['192.0.2.0/24']);
    // A whitelist /0 would have spared every DROP row: it is not used for sparing either.
    await custodyHoldsEveryDrop();
    await moduleRuns();
  });

  it('every class of entry ipset refuses is reported with its Loadfile line and skipped; the good lines around them load', async () => {
    const lines = BAD.flatMap((b, i) => [b.line, GOOD[i]].filter((l) => l !== undefined));
    const lf = sb.inst.write('Loadfiles/Loadfile-bad', `${lines.join('\n')}\n`);
    const r = await sb.run('master/watcher', ['start']);
    expect(r.exitCode, r.stderr).toBe(0);
    const err = r.stderr.split('\n');
    for (const b of BAD) {
      const n = lines.indexOf(b.line) + 1;
      expect(err.find((l) => l.startsWith(`watcher: ${lf}:${n}: `) && l.includes(b.reason)), `line ${n}: ${b.line}\n${r.stderr}`).toBeDefined();
    }
    for (const g of GOOD) expect(r.stderr).not.toContain(`${lf}:${lines.indexOf(g) + 1}:`);
    expect(await members('dyn')).toEqual(['2001:db8::7', '203.0.113.1', '203.0.113.5']);
    expect([...(await sb.members('tarpit')).keys()]).toEqual(['198.51.100.10']);
    expect(await members('a.b_c-defghijklmnopqrstu')).toEqual(['203.0.113.8']);
    expect(await kernelCopies(sb.ns, backend)).toEqual([]);
    await custodyHoldsEveryDrop();
    await moduleRuns();
  });

  // What follows is ipset's own: its refusals, and the copies it builds a set in beside the live one.
  if (backend !== 'iptables') return;

  it('ipset does refuse what Watcher refuses (the same commands on probe sets)', async () => {
    await sb.ns.ok('ipset', ['create', 'probe', 'hash:net', 'family', 'inet', 'comment']);
    await sb.ns.ok('ipset', ['create', 'probe6', 'hash:net', 'family', 'inet6', 'comment']);
    await sb.ns.ok('ipset', ['create', 'probeip', 'hash:ip', 'family', 'inet', 'timeout', '0', 'comment']);
    await sb.ns.ok('ipset', ['create', 'probeip6', 'hash:ip', 'family', 'inet6', 'timeout', '0', 'comment']);
    for (const b of BAD.filter((x) => x.kernel)) {
      const k = await sb.ns.exec('ipset', b.kernel as string[]);
      expect(k.exitCode, `ipset ${b.kernel?.join(' ')} should be refused`).not.toBe(0);
    }
    expect((await sb.ns.exec('ipset', ['add', 'probe', '203.0.113.5', 'comment', 'x'.repeat(255)])).exitCode).toBe(0);
    expect((await sb.ns.exec('ipset', ['add', 'probeip', '198.51.100.10', 'timeout', '2147483'])).exitCode).toBe(0);
    for (const p of ['probe', 'probe6', 'probeip', 'probeip6']) await sb.ns.ok('ipset', ['destroy', p]);
  });

  it('a load ipset refuses anyway (a stale copy it cannot reuse) keeps that set as it was, loads the rest, starts the module and exits 65', async () => {
    sb.inst.write('blacklist', '198.51.100.1\n');
    expect((await sb.run('master/watcher', ['start'])).exitCode).toBe(0);
    await sb.run('master/watcher', ['stop']);
    await sb.ns.ok('ipset', ['flush', 'custody']);
    // A copy left behind under the name the loader builds in, of a type it cannot reuse.
    await sb.ns.ok('ipset', ['create', 'blacklist-new', 'hash:ip']);
    sb.inst.write('blacklist', '198.51.100.2\n198.51.100.3\n');
    const r = await sb.run('master/watcher', ['start']);
    expect(r.exitCode, r.stderr).toBe(65);
    expect(r.stderr).toMatch(/^watcher: set blacklist could not be rebuilt: Set cannot be created: set with the same name already exists \(.*Flushload:\d+: "create blacklist-new hash:net[^"]*"\); it keeps its 1 entries$/m);
    expect(r.stdout).toContain('Starting module WatchLG ...');
    expect(await members('blacklist')).toEqual(['198.51.100.1']);
    expect((await sb.ns.ok('ipset', ['list', '-n'])).split('\n').filter((s) => s.endsWith('-new'))).toEqual([]);
    await custodyHoldsEveryDrop();
    await moduleRuns();
    // The stale copy is gone with the failed load: the next load rebuilds the set.
    const again = await sb.run('master/watcher', ['reload']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await members('blacklist')).toEqual(['198.51.100.2', '198.51.100.3']);
  });

  it('a load ipset refuses as a whole (eleven stale copies) is given up: the copies are removed, the module starts over the sets as they were, exit 65', async () => {
    sb.inst.write('blacklist', '198.51.100.1\n');
    expect((await sb.run('master/watcher', ['start'])).exitCode).toBe(0);
    await sb.run('master/watcher', ['stop']);
    await sb.ns.ok('ipset', ['flush', 'custody']);
    sb.inst.write('blacklist', '198.51.100.2\n');
    for (let i = 1; i <= 11; i++) {
      sb.inst.write(`Loadfiles/Loadfile-s${i}`, `add s${i} 203.0.113.${i}\n`);
      await sb.ns.ok('ipset', ['create', `s${i}-new`, 'hash:ip']);
    }
    const r = await sb.run('master/watcher', ['start']);
    for (let i = 1; i <= 11; i++) rmSync(join(sb.inst.root, `Loadfiles/Loadfile-s${i}`));
    expect(r.exitCode, r.stderr).toBe(65);
    expect(r.stderr).toMatch(/^watcher: ipset refused the load: Set cannot be created: set with the same name already exists \(.*Flushload:\d+: "create s\d+-new hash:net[^"]*"\); 10 lines refused already; the sets not swapped in keep what they had$/m);
    expect(r.stderr).toContain('watcher: the firewall load failed: its sets keep what they had; the modules are started all the same');
    expect(r.stdout).toContain('Starting module WatchLG ...');
    expect(await members('blacklist')).toEqual(['198.51.100.1']);
    expect((await sb.ns.ok('ipset', ['list', '-n'])).split('\n').filter((s) => s.endsWith('-new'))).toEqual([]);
    // custody's adds come before the refused lines and are made again by every run.
    await custodyHoldsEveryDrop();
    await moduleRuns();
  });

  it('an entry the checks let through and ipset refuses is left out with its source file:line, the rest loads; too many give the load up and remove the copies', async () => {
    // The loader is given the entries directly, as a backend quirk nobody foresaw would pass the checks.
    const load = (entries: [string, string][]) => runJson<Record<string, unknown>>(sb.ns, `
      import { openFirewall } from '$dist/master/lib/firewall/index.js';
      const fw = openFirewall({ FIREWALL: 'iptables' });
      await fw.ensure();
      const l = fw.loader(${JSON.stringify(join(sb.inst.root, 'Loadfiles/Flushload'))});
      ${JSON.stringify(entries)}.forEach(([set, net], i) => l.add({ set, net, family: net.includes(':') ? 6 : 4 }, '/src/Loadfile-x', i + 1));
      try { console.log(JSON.stringify(await l.finish())); } catch (e) { console.log(JSON.stringify({ code: e.exitCode, message: e.message })); }`);
    const r = await load([['blacklist', '198.51.100.1'], ['blacklist', '0.0.0.0/0'], ['custody', '::/0'], ['blacklist', '198.51.100.2'], ['custody', '192.0.2.9']]);
    expect(r).toEqual({ entries: 3, replaced: ['blacklist'], added: ['custody'], kept: [], refused: [
      { file: '/src/Loadfile-x', line: 2, reason: 'refused by ipset: The value of the CIDR parameter of the IP address is invalid' },
      { file: '/src/Loadfile-x', line: 3, reason: 'refused by ipset: The value of the CIDR parameter of the IP address is invalid' },
    ] });
    expect(await members('blacklist')).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(await members('custody')).toEqual(['192.0.2.9']);
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Flushload'), 'utf8')).toContain('\n# add blacklist-new 0.0.0.0/0\n');

    const many = await load([['blacklist', '198.51.100.3'], ...Array.from({ length: 11 }, (_, i): [string, string] => ['blacklist', `10.${i}.0.0/0`])]);
    expect(many.code).toBe(65);
    expect(many.message).toMatch(/^ipset refused the load: The value of the CIDR parameter of the IP address is invalid \(.*Flushload:\d+: "add blacklist-new 10\.10\.0\.0\/0", from \/src\/Loadfile-x:12\); 10 lines refused already; the sets not swapped in keep what they had$/);
    expect(await members('blacklist')).toEqual(['198.51.100.1', '198.51.100.2']);
    expect((await sb.ns.ok('ipset', ['list', '-n'])).split('\n').filter((s) => s.endsWith('-new'))).toEqual([]);
  });
});
