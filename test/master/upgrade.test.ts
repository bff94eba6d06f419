// Upgrade-safe configuration: the tree ships samples only; Prep installs a conf where none exists
// and never touches one that does; an upgrade unpacked over the tree leaves what the
// administrator edited; module confs state only what differs, so watcher.conf's keys apply.
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, makeInstallation, type Installation } from '../helpers/install.js';
import { Netns, requireTools } from '../helpers/netns.js';
import { runMaster } from '../helpers/master.js';
import { parseAssignments } from '../../master/lib/core/conf.js';

describe('upgrade-safe configuration', () => {
  let ns: Netns;
  let inst: Installation;
  const etc = () => join(inst.root, '..', 'etc');
  const prep = () => runMaster(ns, inst, 'Prep', ['--init-dir', join(etc(), 'init.d'), '--systemd-dir', join(etc(), 'systemd'), '--logger', 'rsyslog'], { WATCHER_RSYSLOG_DIR: join(etc(), 'rsyslog.d') });
  const run = async (rel: string, args: string[] = []) => {
    const r = await ns.exec(process.execPath, [join(inst.root, rel), ...args], { env: { ...process.env, ...inst.env } });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  beforeAll(async () => {
    requireTools(['ipset', 'iptables', 'ip6tables', 'rsyslogd', 'git']);
    ns = await Netns.create();
    inst = makeInstallation();
    mkdirSync(join(etc(), 'rsyslog.d'), { recursive: true });
  });
  afterAll(async () => { await ns?.destroy(); inst?.remove(); });

  it('the tree holds no file an administrator edits, only samples; every module with a conf has its sample', async () => {
    const files = String((await execa('git', ['ls-files'], { cwd: REPO })).stdout).split('\n');
    expect(files.filter((f) => ['watcher.conf', 'whitelist', 'blacklist'].includes(f) || /^(modules|dynload)\/[^/]+\/[^/]+\.conf$/.test(f))).toEqual([]);
    for (const m of readdirSync(join(REPO, 'modules')).filter((m) => files.includes(`modules/${m}/module.ts`))) {
      expect(files, `modules/${m}/${m}.conf-sample`).toContain(`modules/${m}/${m}.conf-sample`);
    }
    expect(files).toEqual(expect.arrayContaining(['watcher.conf-sample', 'whitelist-sample', 'blacklist-sample']));
  });

  it('every key a sample shows is commented out: a conf installed from it states nothing, the defaults and watcher.conf apply', () => {
    const samples = ['watcher.conf-sample', ...readdirSync(join(REPO, 'modules')).map((m) => `modules/${m}/${m}.conf-sample`)].filter((f) => { try { return statSync(join(REPO, f)).isFile(); } catch { return false; } });
    for (const f of samples) expect(parseAssignments(readFileSync(join(REPO, f), 'utf8'), f), f).toEqual([]);
  });

  it('Prep installs the confs where none exist; watcher.conf\'s MAX_AFFAIRS applies unless a module conf sets its own', async () => {
    const r = await prep();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Installed ${join(inst.root, 'watcher.conf')} from its sample: state there only what differs`);
    expect(r.stdout).toContain(`Installed ${join(inst.root, 'modules/WatchLG/WatchLG.conf')} from its sample: state there only what differs`);
    expect(statSync(join(inst.root, 'modules/WatchLG/WatchLG.conf')).mode & 0o777).toBe(0o644);
    inst.write('watcher.conf', `${readFileSync(join(inst.root, 'watcher.conf'), 'utf8')}MAX_AFFAIRS=3\nDNS_SERVER=off\nGEOTRACK=\n`);
    const three = await run('modules/WatchLG/LGinjector', ['203.0.113.9', '2']);
    expect(three.exitCode, three.stderr).toBe(0);
    expect(three.stdout).toContain("UNRESOLVED 203.0.113.9 'Initial 2/3, Penalty: 2, tarpit 240 s'");
    inst.write('modules/WatchLG/WatchLG.conf', `${readFileSync(join(inst.root, 'modules/WatchLG/WatchLG.conf'), 'utf8')}MAX_AFFAIRS=4\n`);
    const four = await run('modules/WatchLG/LGinjector', ['203.0.113.10', '2']);
    expect(four.stdout).toContain("UNRESOLVED 203.0.113.10 'Initial 2/4, Penalty: 2, tarpit 240 s'");
    // A second Prep keeps every edited conf.
    const again = await prep();
    expect(again.stdout).not.toContain('from its sample');
    expect(readFileSync(join(inst.root, 'modules/WatchLG/WatchLG.conf'), 'utf8')).toMatch(/MAX_AFFAIRS=4\n$/);
  });

  it('a release unpacked over the tree leaves watcher.conf, the module confs and the lists as the administrator wrote them', async () => {
    inst.write('whitelist', '198.51.100.7\n');
    const mine = ['watcher.conf', 'modules/WatchLG/WatchLG.conf', 'modules/WatchMX/WatchMX.conf', 'whitelist'].map((f) => [f, readFileSync(join(inst.root, f), 'utf8')]);
    const files = String((await execa('git', ['ls-files'], { cwd: REPO })).stdout).split('\n').filter(Boolean);
    for (const f of files) cpSync(join(REPO, f), join(inst.root, f), { force: true, verbatimSymlinks: true });
    for (const [f, text] of mine) expect(readFileSync(join(inst.root, f), 'utf8'), f).toBe(text);
  });
});
