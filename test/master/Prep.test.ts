// master/Prep with every system path redirected into the test's temp dir.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeInstallation, type Installation } from '../helpers/install.js';
import { Netns, requireTools } from '../helpers/netns.js';
import { installFixtureModule, runMaster } from '../helpers/master.js';
import { BACKENDS, firewallLine, requireBackend, type Backend } from '../helpers/backends.js';

// What Prep checks for each backend: the programs it names, one of them and its Debian package.
const PROGRAMS: Record<Backend, { found: string; missing: string[]; said: string; program: string; install: string }> = {
  iptables: { found: 'ipset iptables ip6tables flock', missing: ['iptables', 'ip6tables'], said: 'iptables (Debian package iptables), ip6tables (Debian package iptables)', program: 'ipset', install: 'ipset' },
  nftables: { found: 'nft flock setpriv', missing: ['nft'], said: 'nft (Debian package nftables)', program: 'nft', install: 'nftables' },
};

describe.each(BACKENDS)('Prep (%s)', (backend) => {
  const programs = PROGRAMS[backend];
  let ns: Netns;
  let inst: Installation;
  let dirs: { init: string; systemd: string; rsyslog: string; syslogNg: string };
  beforeEach(async () => {
    requireTools(['sh']);
    requireBackend(backend);
    ns = await Netns.create();
    inst = makeInstallation();
    dirs = { init: join(inst.root, '..', 'etc/init.d'), systemd: join(inst.root, '..', 'etc/systemd/system'), rsyslog: join(inst.root, '..', 'etc/rsyslog.d'), syslogNg: join(inst.root, '..', 'etc/syslog-ng/conf.d') };
    mkdirSync(dirs.rsyslog, { recursive: true });
    for (const d of [inst.runDir, inst.fifoBase, inst.toolPath]) rmSync(d, { recursive: true, force: true });
    // The default backend comes from watcher.conf-sample; the other one is chosen before Prep.
    if (backend !== 'iptables') inst.write('watcher.conf', firewallLine(backend));
  });
  afterEach(async () => { await ns?.destroy(); inst?.remove(); });

  // The logger's directories through the environment (the other way, options, is used for init and systemd).
  const prep = (extra: Record<string, string> = {}, args: string[] = []) =>
    runMaster(ns, inst, 'Prep', ['--init-dir', dirs.init, '--systemd-dir', dirs.systemd, ...args],
      { WATCHER_RSYSLOG_DIR: dirs.rsyslog, WATCHER_SYSLOG_NG_DIR: dirs.syslogNg, WATCHER_SYSLOG_NG_CONF: join(dirs.syslogNg, '../syslog-ng.conf'), ...extra });

  it('creates the directories, runs module Preps, installs init script and unit, links the tools; twice is harmless', async () => {
    installFixtureModule(inst, 'WatchTT');
    inst.write('modules/WatchTT/Prep', '#!/bin/sh\n[ -f WatchTT.db ] && exit 0\n: > WatchTT.db && echo "Created WatchTT.db"\n');
    chmodSync(join(inst.root, 'modules/WatchTT/Prep'), 0o755);
    inst.write('modules/WatchTT/TTinjector', '#!/bin/sh\n');
    chmodSync(join(inst.root, 'modules/WatchTT/TTinjector'), 0o755);
    requireTools(['rsyslogd']);
    const r = await prep();
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const snippet = join(dirs.rsyslog, 'watcher.conf');
    const fifos = ['WatchLG', 'WatchMX', 'WatchWB'].map((m) => join(inst.fifoBase, m));
    const init = join(dirs.init, 'watcher');
    const unit = join(dirs.systemd, 'watcher.service');
    // The real modules of the tree (WatchLG, ...) are prepared too: their databases and injectors.
    const real = readdirSync(join(inst.root, 'modules')).filter((m) => existsSync(join(inst.root, 'modules', m, 'Schema'))).sort();
    // GeoTrack's database keeps the seeds' name, geotrack.db.
    const db = (m: string) => join(inst.root, 'modules', m, m === 'GeoTrack' ? 'geotrack.db' : `${m}.db`);
    const link = (rel: string) => `Linked ${join(inst.toolPath, rel.split('/').pop()!)} -> ${join(inst.root, rel)}`;
    // Programs of bin/ itself; bin/demo/ (npm run demo) is not a tool.
    const bin = readdirSync(join(inst.root, 'bin')).filter((f) => !f.includes('.') && statSync(join(inst.root, 'bin', f)).isFile()).sort();
    const injectors = readdirSync(join(inst.root, 'modules')).sort().flatMap((m) => readdirSync(join(inst.root, 'modules', m)).filter((f) => /injector$/.test(f)).sort().map((f) => `modules/${m}/${f}`));
    expect(real).toContain('WatchLG');
    expect(bin).toEqual(expect.arrayContaining(['Trace', 'Refresh', 'freeme']));
    expect(bin).not.toContain('demo');
    // Upgrade-safe configuration: each conf installed from its sample where there is none.
    const samples = [...(backend === 'iptables' ? ['watcher.conf'] : []), ...['modules', 'dynload'].flatMap((top) => readdirSync(join(inst.root, top)).sort().flatMap((m) => readdirSync(join(inst.root, top, m)).filter((f) => f.endsWith('.conf-sample')).map((f) => `${top}/${m}/${f.slice(0, -7)}`)))];
    expect(samples).toEqual(expect.arrayContaining(['modules/WatchLG/WatchLG.conf', 'modules/WatchMX/WatchMX.conf', 'dynload/spamhaus/spamhaus.conf']));
    const note = `No address in ${join(inst.root, 'whitelist')} yet: put your own addresses there (see whitelist-sample) before the first start, then run master/Whitelist`;
    expect(r.stdout.split('\n')).toEqual([
      ...samples.map((c) => `Installed ${join(inst.root, c)} from its sample: state there only what differs`),
      `Programs: ${programs.found} found`,
      `Created ${inst.runDir}`, `Created ${inst.fifoBase}`, `Created ${inst.toolPath}`,
      ...fifos.map((f) => `Created FIFO ${f}`),
      `${snippet} written for rsyslog: restart it to apply (service rsyslog restart)`,
      // Each module's Prep in the order of the module directories.
      ...real.concat('WatchTT').sort().map((m) => (m === 'WatchTT' ? 'Created WatchTT.db' : `${m}: ${db(m)}: created from Schema`)),
      `Installed ${init}`, `Installed ${unit}`, `Installed ${join(dirs.systemd, 'watcher-module@.service')}`,
      // A drop-in per module the master starts (WatchMB is WatchMX's companion): its output to its LOGFILE.
      ...real.concat('WatchTT').filter((m) => m !== 'WatchMB').sort().map((m) => `Installed ${join(dirs.systemd, `watcher-module@${m}.service.d/log.conf`)}`),
      ...bin.map((f) => link(`bin/${f}`)),
      ...injectors.map(link),
      note,
      'Prep done',
    ]);
    for (const c of samples) expect(readFileSync(join(inst.root, c), 'utf8')).toBe(readFileSync(join(inst.root, `${c}-sample`), 'utf8'));
    expect(injectors).toEqual(expect.arrayContaining(['modules/WatchLG/LGinjector', 'modules/WatchTT/TTinjector']));
    expect(statSync(inst.fifoBase).mode & 0o777).toBe(0o700);
    expect(statSync(init).mode & 0o777).toBe(0o755);
    expect(readFileSync(unit, 'utf8')).toContain(`ExecStart=${process.execPath} ${inst.root}/master/watcher start\n`);
    expect(readFileSync(unit, 'utf8')).toContain('Type=oneshot\nRemainAfterExit=yes\n');
    expect(readlinkSync(join(inst.toolPath, 'Trace'))).toBe(join(inst.root, 'bin/Trace'));
    for (const f of fifos) expect(statSync(f).isFIFO() && (statSync(f).mode & 0o777)).toBe(0o600);
    const text = readFileSync(snippet, 'utf8');
    expect(text).toContain(`auth,authpriv.* action(type="ompipe" name="watcher-WatchLG" pipe="${fifos[0]}" template="WatcherFifoLine"\n`);
    expect(text).toContain(`mail.* action(type="ompipe" name="watcher-WatchMX" pipe="${fifos[1]}"`);
    expect(text).toContain(`local2.* action(type="ompipe" name="watcher-WatchWB" pipe="${fifos[2]}"`);
    expect(existsSync(dirs.syslogNg)).toBe(false);
    const ino = statSync(fifos[0]).ino;
    const again = await prep();
    expect(again).toMatchObject({ exitCode: 0, stdout: [`Programs: ${programs.found} found`, ...real.map((m) => `${m}: ${db(m)}: exists, 0 ${m === 'GeoTrack' ? 'networks' : 'addresses'}`), note, 'Prep done'].join('\n') });
    expect(statSync(fifos[0]).ino).toBe(ino); // the logger holds it open: never made anew
    writeFileSync(snippet, text.replace('queue.size="100000"', 'queue.size="5"'));
    const fixed = await prep();
    expect(fixed.stdout).toContain(`${snippet} written for rsyslog: restart it to apply`);
    expect(readFileSync(snippet, 'utf8')).toBe(text);
  });

  it('without a system logger says what to configure; a logger chosen whose directory is missing: exit 69, the rest is done', async () => {
    rmSync(dirs.rsyslog, { recursive: true });
    const none = await prep();
    expect(none.exitCode).toBe(0);
    expect(none.stderr).toBe(`Prep: no rsyslog or syslog-ng found: configure the system logger to write auth,authpriv -> ${inst.fifoBase}/WatchLG; mail -> ${inst.fifoBase}/WatchMX; local2 -> ${inst.fifoBase}/WatchWB`);
    expect(statSync(join(inst.fifoBase, 'WatchLG')).isFIFO()).toBe(true);
    const forced = await prep({}, ['--logger', 'syslog-ng']);
    expect(forced.exitCode).toBe(69);
    expect(forced.stderr).toBe(`Prep: ${dirs.syslogNg} does not exist: is syslog-ng installed?`);
    expect(forced.stdout).toMatch(/Prep done$/);
  });

  it('the installed init script starts, reports and stops the service', async () => {
    inst.write('loader.conf', '');
    inst.write('watcher.conf', `MODULES=WatchTT\n${firewallLine(backend)}`);
    installFixtureModule(inst, 'WatchTT');
    expect((await prep()).exitCode).toBe(0);
    const script = join(dirs.init, 'watcher');
    const env = { ...process.env, ...inst.env };
    const start = await ns.exec('sh', [script, 'start'], { env });
    expect(String(start.stdout)).toMatch(/^Starting service watcher:\nInstalled modules: (?:\w+ )*WatchTT(?: \w+)*\n\nLoading firewall \.\.\.\nTook [\d.]+ seconds\nfor 0 total firewall drops\nLoadrate: 0 DROPs per second\nStarting module WatchTT \.\.\.\n\[OK\]$/);
    expect((await ns.exec('sh', [script, 'status'], { env })).exitCode).toBe(0);
    expect(String((await ns.exec('sh', [script, 'stop'], { env })).stdout)).toBe('Stopping module WatchTT ...');
    expect((await ns.exec('sh', [script, 'status'], { env })).exitCode).toBe(3);
    expect((await ns.exec('sh', [script, 'bogus'], { env })).exitCode).toBe(2);
  });

  it('--install runs apt-get update before apt-get install of the missing packages', async () => {
    // A recording apt-get first on PATH: the host's packages are never touched.
    const fake = join(inst.root, '..', 'fakebin');
    mkdirSync(fake, { recursive: true });
    const log = join(fake, 'calls');
    writeFileSync(join(fake, 'apt-get'), `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> ${log}\n`);
    chmodSync(join(fake, 'apt-get'), 0o755);
    const r = await runMaster(ns, inst, 'Prep', ['--install', '--init-dir', dirs.init, '--systemd-dir', dirs.systemd], { PATH: `${fake}:${process.env.PATH}` }, [programs.program]);
    expect(readFileSync(log, 'utf8')).toBe(`noninteractive update -q\nnoninteractive install -y -q --no-install-recommends ${programs.install}\n`);
    expect(r.stdout).toContain(`Installing ${programs.install} ...`);
    // The fake installed nothing: still missing, said so.
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toBe(`Prep: missing: ${programs.program} (Debian package ${programs.install})`);
  });

  it('names a missing program and its package (exit 69); a foreign file in TOOLPATH is left alone', async () => {
    const r = await runMaster(ns, inst, 'Prep', ['--init-dir', dirs.init, '--systemd-dir', dirs.systemd], {}, programs.missing);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toBe(`Prep: missing: ${programs.said}; run master/Prep --install`);
    mkdirSync(inst.toolPath, { recursive: true });
    writeFileSync(join(inst.toolPath, 'Trace'), 'mine');
    const ok = await prep();
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toBe(`Prep: ${join(inst.toolPath, 'Trace')} exists and is not a link: left alone`);
    expect(readFileSync(join(inst.toolPath, 'Trace'), 'utf8')).toBe('mine');
    expect(existsSync(join(dirs.init, 'watcher'))).toBe(true);
  });
});
