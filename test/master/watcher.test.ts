// master/watcher start|stop|restart|reload|full|status on the real kernel netfilter, with a fixture module.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import type { Installation } from '../helpers/install.js';
import type { Netns } from '../helpers/netns.js';
import { installFixtureModule, makeMasterSandbox, runMaster, startInstalled } from '../helpers/master.js';
import { BACKENDS, firewallLine, kernelAdd, kernelChain, kernelHasWatcher, kernelNets, requireBackend, type Backend } from '../helpers/backends.js';

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };

// Each test: a fresh namespace and installation with the fixture modules WatchTT and WatchUU
// (MODULES also names WatchWB, one of Watcher's modules not installed in this tree: skipped).
function useService(backend: Backend, take: (s: { ns: Netns; inst: Installation }) => void): void {
  let s: { ns: Netns; inst: Installation } | undefined;
  beforeEach(async () => {
    requireBackend(backend);
    s = await makeMasterSandbox();
    installFixtureModule(s.inst, 'WatchTT');
    installFixtureModule(s.inst, 'WatchUU');
    // WatchWB is one of Watcher's modules, not installed in this tree: skipped.
    rmSync(join(s.inst.root, 'modules/WatchWB'), { recursive: true, force: true });
    s.inst.write('watcher.conf', `MODULES="WatchTT WatchUU WatchWB"\nSTOP_GRACE=2\n${firewallLine(backend)}`);
    take(s);
  });
  afterEach(async () => {
    if (s) await runMaster(s.ns, s.inst, 'watcher', ['stop']).catch(() => undefined);
    await s?.ns.destroy();
    s?.inst.remove();
  });
}

describe.each(BACKENDS)('watcher service (%s)', (backend: Backend) => {
  let ns: Netns;
  let inst: Installation;
  useService(backend, (s) => ({ ns, inst } = s));

  it('start runs the Load entries (a missing or failing one is reported), fills the firewall, starts the modules and prints the seeds\' summary', async () => {
    inst.write('loader.conf', '# comment\ndynload/good/Load\n#dynload/off/Load\ndynload/missing/Load\ndynload/bad/Load\n');
    for (const d of ['good', 'bad']) mkdirSync(join(inst.root, 'dynload', d), { recursive: true });
    const good = inst.write('dynload/good/Load', '#!/bin/sh\nprintf "add good 203.0.113.1\\nadd good 203.0.113.2\\n" > ../../Loadfiles/Loadfile-good\n');
    const bad = inst.write('dynload/bad/Load', '#!/bin/sh\necho download failed >&2\nexit 3\n');
    chmodSync(good, 0o755);
    chmodSync(bad, 0o755);
    inst.write('blacklist', '198.51.100.0/24\n');
    const r = await runMaster(ns, inst, 'watcher', ['start']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Installed modules: (?:\w+ )*WatchTT WatchUU\n\nLoading firewall \.\.\.\nTook \d+\.\d{6} seconds\nfor 3 total firewall drops\nLoadrate: \d+ DROPs per second\nStarting module WatchTT \.\.\.\nStarting module WatchUU \.\.\.$/);
    // WatchMB is installed but started by WatchMX (its companion), not by the master.
    expect(r.stdout.split('\n')[0]).toMatch(/^Installed modules: .*\bWatchMX\b/);
    expect(r.stdout.split('\n')[0]).not.toMatch(/WatchMB/);
    expect(r.stderr).toContain(`watcher: ${join(inst.root, 'loader.conf')}:4: dynload/missing/Load: not installed, skipped`);
    expect(r.stderr).toContain(`watcher: ${join(inst.root, 'loader.conf')}:5: dynload/bad/Load: failed (exit 3): download failed; its Loadfile is left as it was`);
    expect(await kernelNets(ns, backend, 'good')).toEqual(['203.0.113.1', '203.0.113.2']);
    const pids = ['WatchTT', 'WatchUU'].map((m) => Number(readFileSync(join(inst.runDir, `${m}.pid`), 'utf8')));
    expect(pids.every(alive)).toBe(true);
    expect(readFileSync(join(inst.logDir, 'WatchTT.log'), 'utf8')).toContain(`WatchTT[${pids[0]}]: started`);

    const again = await runMaster(ns, inst, 'watcher', ['start']);
    expect(again.stdout).toContain(`Module WatchTT is already running (pid ${pids[0]})`);

    await new Promise((res) => setTimeout(res, 1200));
    const st = await runMaster(ns, inst, 'watcher', ['status']);
    expect(st.exitCode).toBe(0);
    expect(st.stdout).toMatch(new RegExp(`^  WatchTT    running, pid ${pids[0]} since \\S+: lines 0, skipped 0, untreated 0, injected 0, tarpitted 0, dropped 0 \\(status [01] s old\\)$`, 'm'));
    expect(st.stdout).toMatch(/^  blacklist +1$/m);
    expect(st.stdout).toMatch(/^  good +2$/m);

    const stop = await runMaster(ns, inst, 'watcher', ['stop']);
    expect(stop.stdout).toBe('Stopping module WatchTT ...\nStopping module WatchUU ...');
    expect(pids.some(alive)).toBe(false);
    expect(existsSync(join(inst.runDir, 'WatchTT.pid'))).toBe(false);
    expect(readFileSync(join(inst.logDir, 'WatchTT.log'), 'utf8')).toContain(`WatchTT[${pids[0]}]: ended`);
    const down = await runMaster(ns, inst, 'watcher', ['status']);
    expect(down.exitCode).toBe(3);
    expect(down.stdout).toMatch(/^  WatchTT    not running$/m);
    // stop leaves the firewall as it is
    expect(await kernelChain(ns, backend)).toContain('drop good');
  });

  it('a module logs to the LOGFILE of its conf (keys of its own do not matter); a broken conf stops only that module', async () => {
    inst.write('loader.conf', '');
    inst.write('modules/WatchTT/WatchTT.conf', 'OWN_KEY=1\nLOGFILE=$LOG_DIR/tt-$OWN_KEY.log\n');
    inst.write('modules/WatchUU/WatchUU.conf', 'LOGFILE=$(reboot)\n');
    const r = await runMaster(ns, inst, 'watcher', ['start']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`watcher: module WatchUU not started: ${join(inst.root, 'modules/WatchUU/WatchUU.conf')}:1: LOGFILE="$(reboot)": command substitution $(...) is refused`);
    const pid = Number(readFileSync(join(inst.runDir, 'WatchTT.pid'), 'utf8'));
    expect(readFileSync(join(inst.logDir, 'tt-1.log'), 'utf8')).toContain(`WatchTT[${pid}]: started`);
  });

  it('stop kills a module that ignores SIGTERM after STOP_GRACE', async () => {
    inst.write('loader.conf', '');
    expect((await runMaster(ns, inst, 'watcher', ['start'], { FIXTURE_IGNORE_TERM: '1' })).exitCode).toBe(0);
    const pid = Number(readFileSync(join(inst.runDir, 'WatchTT.pid'), 'utf8'));
    const t0 = Date.now();
    const stop = await runMaster(ns, inst, 'watcher', ['stop']);
    expect(stop.stdout).toContain('Module WatchTT did not end within 2 s: killed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(alive(pid)).toBe(false);
  });

  it('restart gives new module processes; full removes Watcher\'s objects (and only those) and starts again', async () => {
    inst.write('loader.conf', '');
    inst.write('Loadfiles/Loadfile-nixspam', 'add nixspam 203.0.113.1\n');
    await runMaster(ns, inst, 'watcher', ['start']);
    const pid1 = Number(readFileSync(join(inst.runDir, 'WatchTT.pid'), 'utf8'));
    const re = await runMaster(ns, inst, 'watcher', ['restart']);
    expect(re.stdout).toMatch(/^Stopping module WatchTT \.\.\.\nStopping module WatchUU \.\.\.\nInstalled modules: (?:\w+ )*WatchTT WatchUU\n/);
    const pid2 = Number(readFileSync(join(inst.runDir, 'WatchTT.pid'), 'utf8'));
    expect(pid2).not.toBe(pid1);
    await ns.ok('ipset', ['create', 'admin', 'hash:ip']);
    await ns.ok('iptables', ['-I', 'INPUT', '-m', 'set', '--match-set', 'admin', 'src', '-j', 'DROP']);
    await ns.ok('nft', ['add', 'table', 'inet', 'host']);
    await kernelAdd(ns, backend, 'custody', '192.0.2.9');
    inst.write('Loadfiles/Loadfile-nixspam', '');
    const full = await runMaster(ns, inst, 'watcher', ['full']);
    expect(full.exitCode).toBe(0);
    expect(full.stdout).toContain("Removing Watcher's chain and sets ...");
    expect(await kernelChain(ns, backend)).not.toContain('drop nixspam');
    expect(await kernelNets(ns, backend, 'custody')).toEqual([]);
    expect(await ns.ok('ipset', ['list', '-n'])).toMatch(/^admin$/m);
    const input = (await ns.ok('iptables', ['-S', 'INPUT'])).trim().split('\n');
    expect(input.filter((l) => l === '-A INPUT -j WATCHER')).toHaveLength(backend === 'iptables' ? 1 : 0);
    expect(input).toContain('-A INPUT -m set --match-set admin src -j DROP');
    expect(await ns.ok('nft', ['list', 'tables'])).toContain('table inet host');
  });

  it('full after FIREWALL was changed removes what the other backend left, so the two never drop side by side', async () => {
    const other = BACKENDS.find((b) => b !== backend) as Backend;
    requireBackend(other);
    inst.write('loader.conf', '');
    inst.write('blacklist', '198.51.100.1\n');
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(other)}`);
    expect((await runMaster(ns, inst, 'watcher', ['start'])).exitCode).toBe(0);
    expect(await kernelNets(ns, other, 'blacklist')).toEqual(['198.51.100.1']);
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
    const full = await runMaster(ns, inst, 'watcher', ['full']);
    expect(full.exitCode, full.stderr).toBe(0);
    expect(full.stdout).toContain(`Removed Watcher's ${other} objects (FIREWALL=${backend} now)`);
    expect(await kernelHasWatcher(ns, other)).toBe(false);
    expect(await kernelNets(ns, backend, 'blacklist')).toEqual(['198.51.100.1']);
    const again = await runMaster(ns, inst, 'watcher', ['full']);
    expect(again.stdout).not.toContain('Removed Watcher');
  });

  it('a dynloader that calls watcher reload at its end does not block the start that runs it', async () => {
    mkdirSync(join(inst.root, 'dynload/dyn'), { recursive: true });
    inst.write('loader.conf', 'dynload/dyn/Load\n');
    const load = inst.write('dynload/dyn/Load', `#!/bin/sh\necho "add dyn 203.0.113.5" > ../../Loadfiles/Loadfile-dyn\nexec ${process.execPath} ../../master/watcher reload\n`);
    chmodSync(load, 0o755);
    const t0 = Date.now();
    const r = await runMaster(ns, inst, 'watcher', ['start']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(await kernelNets(ns, backend, 'dyn')).toEqual(['203.0.113.5']);
  });

  it('two reloads at the same time run one after the other', async () => {
    inst.write('loader.conf', '');
    inst.write('watcher.conf', `MODULES=""\n${firewallLine(backend)}`);
    inst.write('Loadfiles/Loadfile-a', Array.from({ length: 30000 }, (_, i) => `add a 10.${i >> 8 & 255}.${i & 255}.0/24`).join('\n'));
    await runMaster(ns, inst, 'watcher', ['start']);
    inst.write('Loadfiles/Loadfile-a', Array.from({ length: 30000 }, (_, i) => `add a 11.${i >> 8 & 255}.${i & 255}.0/24`).join('\n'));
    // A third program holds the lock, as a running start would: both reloads wait for it, then
    // take their turns; neither fails and the set holds the new entries once.
    const lock = join(inst.runDir, 'watcher.lock');
    const holder = execa('flock', ['--exclusive', lock, 'cat'], { stdin: 'pipe', reject: false });
    holder.stdin?.write('held\n');
    await new Promise((resolve) => holder.stdout?.once('data', resolve));
    writeFileSync(lock, `${holder.pid}\n`);
    const reloads = [startInstalled(ns, inst, 'master/watcher', ['reload']), startInstalled(ns, inst, 'master/watcher', ['reload'])];
    try {
      const waiting = new RegExp(`watcher: waiting for pid ${holder.pid} to finish \\(.*watcher\\.lock\\)`);
      await vi.waitFor(() => { for (const r of reloads) expect(r.stderr()).toMatch(waiting); }, { timeout: 60_000, interval: 50 });
      const before = await kernelNets(ns, backend, 'a');
      expect(before).toHaveLength(30000);
      expect(before.every((n) => n.startsWith('10.'))).toBe(true);
    } finally {
      writeFileSync(lock, '');
      holder.stdin?.end();
    }
    const [r1, r2] = await Promise.all(reloads.map((r) => r.result));
    expect([r1.exitCode, r2.exitCode]).toEqual([0, 0]);
    const nets = await kernelNets(ns, backend, 'a');
    expect(nets).toHaveLength(30000);
    expect(nets.every((n) => n.startsWith('11.'))).toBe(true);
    expect(readFileSync(lock, 'utf8')).toBe('');
  });
});

describe('watcher service (iptables + ipset only)', () => {
  let ns: Netns;
  let inst: Installation;
  useService('iptables', (s) => ({ ns, inst } = s));

  it('full goes on to start when a set cannot be destroyed, saying which and why; that set is emptied and reused', async () => {
    inst.write('loader.conf', '');
    inst.write('blacklist', '198.51.100.1\n');
    expect((await runMaster(ns, inst, 'watcher', ['start'])).exitCode).toBe(0);
    await ns.ok('ipset', ['add', 'custody', '192.0.2.9']);
    await ns.ok('iptables', ['-A', 'FORWARD', '-m', 'set', '--match-set', 'custody', 'src', '-j', 'DROP']);
    const full = await runMaster(ns, inst, 'watcher', ['full']);
    expect(full.exitCode).toBe(0);
    expect(full.stderr).toContain("watcher: cannot destroy custody: Set cannot be destroyed: it is in use by a kernel component (emptied; it stays Watcher's and is reused); starting anyway");
    expect(full.stdout).toContain('Loading firewall ...');
    expect(full.stdout).toContain('Starting module WatchTT ...');
    expect((await ns.ok('iptables', ['-S', 'INPUT'])).split('\n')[1]).toBe('-A INPUT -j WATCHER');
    expect(await ns.ok('iptables', ['-S', 'WATCHER'])).toContain('--match-set custody src -j DROP');
    expect(await ns.ok('ipset', ['list', 'custody'])).toMatch(/Number of entries: 0/);
    expect(await ns.ok('ipset', ['list', 'blacklist'])).toMatch(/^198\.51\.100\.1$/m);
  });
});
