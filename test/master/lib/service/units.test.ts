// The modules' systemd units as Prep installs them, checked by systemd's own verifier, and the
// master's choice between units and detached processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeInstallation, type Installation } from '../../../helpers/install.js';
import { Netns, requireTools } from '../../../helpers/netns.js';
import { runMaster } from '../../../helpers/master.js';
import { moduleUnit, usesSystemd } from '../../../../master/lib/service/units.js';

// systemd-analyze reads the unit, its drop-ins and checks ExecStart's program, without a running systemd.
const verify = (dir: string, unit: string) => execa('systemd-analyze', ['verify', join(dir, unit)], { reject: false, env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } });

describe('the modules\' systemd units', () => {
  let ns: Netns;
  let inst: Installation;
  let units: string;
  beforeAll(async () => {
    requireTools(['systemd-analyze', 'ipset', 'iptables', 'ip6tables']);
    ns = await Netns.create();
    inst = makeInstallation();
    units = join(inst.root, '..', 'etc/systemd/system');
    inst.write('modules/WatchLG/WatchLG.conf', 'LOGFILE=$LOG_DIR/login%watch.log\n');
    inst.write('watcher.conf', 'STOP_GRACE=7\n');
    const r = await runMaster(ns, inst, 'Prep', ['--init-dir', join(inst.root, '..', 'etc/init.d'), '--systemd-dir', units, '--logger', 'rsyslog'],
      { WATCHER_RSYSLOG_DIR: join(inst.root, '..', 'rsyslog.d') });
    expect(r.stdout).toContain(`Installed ${join(units, 'watcher-module@.service')}`);
  });
  afterAll(async () => { await ns?.destroy(); inst?.remove(); });

  it('Prep installs a template with a throttled restart policy and, per module, a drop-in that sends its output to its LOGFILE', () => {
    const master = inst.root;
    expect(readFileSync(join(units, 'watcher-module@.service'), 'utf8')).toBe(`# Installed by ${master}/master/Prep: the modules master/watcher start starts (watcher-module@WatchLG)
[Unit]
Description=Watcher module %i
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
ExecStart=${process.execPath} ${master}/modules/%i/%i
WorkingDirectory=${master}/modules/%i
Restart=on-failure
RestartSec=5
RestartPreventExitStatus=64 65 66 75 78
KillMode=process
TimeoutStopSec=24
`);
    // The LOGFILE of WatchLG.conf ('%' is a specifier to systemd: doubled), the default for WatchMX; none for WatchMB, which WatchMX starts.
    const dropIn = (m: string) => readFileSync(join(units, `watcher-module@${m}.service.d/log.conf`), 'utf8');
    expect(dropIn('WatchLG')).toBe(`# Installed by ${master}/master/Prep: the module's output goes to its LOGFILE\n[Service]\nStandardOutput=append:${inst.logDir}/login%%watch.log\nStandardError=append:${inst.logDir}/login%%watch.log\n`);
    expect(dropIn('WatchMX')).toContain(`StandardOutput=append:${inst.logDir}/WatchMX.log\n`);
    expect(() => dropIn('WatchMB')).toThrow(/ENOENT/);
  });

  it('systemd-analyze verify finds nothing to say about watcher.service and each module\'s instance', async () => {
    for (const unit of ['watcher.service', 'watcher-module@WatchLG.service', 'watcher-module@WatchMX.service']) {
      const r = await verify(units, unit);
      expect({ unit, exitCode: r.exitCode, stderr: String(r.stderr) }).toEqual({ unit, exitCode: 0, stderr: '' });
    }
  });

  it('systemd-analyze verify does catch a broken unit (the check above can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'units-'));
    try {
      writeFileSync(join(dir, 'watcher-module@.service'), moduleUnit(inst.root, process.execPath, 5).replace('Restart=on-failure', 'Restart=on-crash'));
      const bad = await verify(dir, 'watcher-module@WatchLG.service');
      expect(String(bad.stderr)).toMatch(/Failed to parse service restart specifier, ignoring: on-crash/);
      writeFileSync(join(dir, 'watcher-module@.service'), moduleUnit(inst.root, '/nonexistent/node', 5));
      const missing = await verify(dir, 'watcher-module@WatchLG.service');
      expect(missing.exitCode).not.toBe(0);
      expect(String(missing.stderr)).toMatch(/\/nonexistent\/node is not executable/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('the master starts units only where systemd runs and the template systemd reads is this installation\'s', () => {
    const root = mkdtempSync(join(tmpdir(), 'systemd-'));
    try {
      const dirs = { run: join(root, 'run/systemd/system'), units: join(root, 'etc/systemd/system') };
      const env = {};
      mkdirSync(dirs.units, { recursive: true });
      copyFileSync(join(units, 'watcher-module@.service'), join(dirs.units, 'watcher-module@.service'));
      expect(usesSystemd(inst.root, env, dirs)).toBe(false); // systemd does not run
      mkdirSync(dirs.run, { recursive: true });
      expect(usesSystemd(inst.root, env, dirs)).toBe(true);
      // Another copy of the tree (a test's, the demo's) never starts the host's units.
      expect(usesSystemd(join(inst.root, 'elsewhere'), env, dirs)).toBe(false);
      expect(usesSystemd(`${inst.root}x`, env, dirs)).toBe(false);
      // A system path overridden by the environment: a unit would not see it.
      expect(usesSystemd(inst.root, { RUN_DIR: '/tmp/run' }, dirs)).toBe(false);
      rmSync(join(dirs.units, 'watcher-module@.service'));
      expect(usesSystemd(inst.root, env, dirs)).toBe(false); // Prep did not install the template
    } finally { rmSync(root, { recursive: true, force: true }); }
  });
});
