// Protection that stops quietly: a module that dies is started again by `watcher check` (the
// crontab's supervision without systemd), a module that keeps dying is given up and said so,
// `watcher start` and `status` tell the truth, a typo in MODULES is refused, and Refresh says
// whether the module took its new rules.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Installation } from '../helpers/install.js';
import type { Netns } from '../helpers/netns.js';
import { installFixtureModule, makeMasterSandbox, runMaster } from '../helpers/master.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };
const pidOf = (runDir: string, name: string): number => Number(readFileSync(join(runDir, `${name}.pid`), 'utf8'));
const H = '2026-11-21T06:00:00+00:00 host';

describe('a real WatchLG that dies is started again by watcher check', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nDNS_SERVER=off\nSESSION_WAIT=1');
    await prepareService(sb, 'WatchLG');
    await startService(sb, 'WatchLG');
  }, 60_000);
  afterAll(() => closeService(sb));

  const logFile = (): string => join(sb.inst.logDir, 'WatchLG.log');
  // The check's line, in its output and in the module's log.
  const restartLine = (pid: number, n: number, newPid: number): RegExp => new RegExp(
    `WatchLG was down \\(pid ${pid} is gone and left its pid file: killed or crashed; its last log line: "\\S+ WatchLG\\[${pid}\\]: started: [^"]*"\\): started again as pid ${newPid} \\(restart ${n} of 5 within 10 min\\)`);

  it('kill -9: status says it is down (exit 3); check starts it again with a new pid and says why, in its output and the module log', async () => {
    const pid = pidOf(sb.inst.runDir, 'WatchLG');
    process.kill(pid, 'SIGKILL');
    await sb.waitFor('the module gone', () => !alive(pid));
    const down = await sb.run('master/watcher', ['status']);
    expect(down.exitCode).toBe(3);
    expect(down.stdout).toMatch(new RegExp(`^  WatchLG    not running: pid ${pid} is gone and left its pid file \\(killed or crashed\\)$`, 'm'));

    const check = await sb.run('master/watcher', ['check']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stderr).toBe('');
    const now = pidOf(sb.inst.runDir, 'WatchLG');
    expect(now).not.toBe(pid);
    expect(alive(now)).toBe(true);
    expect(check.stdout).toMatch(new RegExp(`^${restartLine(pid, 1, now).source}$`));
    expect(sb.read(logFile())).toMatch(new RegExp(`^\\S+ watcher\\[\\d+\\]: ${restartLine(pid, 1, now).source}$`, 'm'));
    // It has passed its own start (check waits for that) and counts again.
    expect(sb.status()?.pid).toBe(now);
    sb.feed([`${H} sshd[9]: Failed password for root from 203.0.113.77 port 2 ssh2`]);
    await sb.waitFor('the affair counted by the new WatchLG', () => sb.row('203.0.113.77'));

    // Nothing down: silent.
    const quiet = await sb.run('master/watcher', ['check']);
    expect(quiet).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(pidOf(sb.inst.runDir, 'WatchLG')).toBe(now);
  });

  it('SIGBUS: started again too, the second restart of the window; status shows the restarts and exits 0', async () => {
    const pid = pidOf(sb.inst.runDir, 'WatchLG');
    process.kill(pid, 'SIGBUS');
    await sb.waitFor('the module gone', () => !alive(pid));
    const check = await sb.run('master/watcher', ['check']);
    expect(check.exitCode, check.stderr).toBe(0);
    const now = pidOf(sb.inst.runDir, 'WatchLG');
    expect(check.stdout).toMatch(restartLine(pid, 2, now));
    const st = await sb.run('master/watcher', ['status']);
    expect(st.exitCode, st.stdout).toBe(0);
    expect(st.stdout).toMatch(new RegExp(`^  WatchLG    running, pid ${now} .*; restarted 2 times within 10 min$`, 'm'));
  });

  it('Refresh: a broken rule is refused with exit 65 and its file:line (the old rules stay); a fixed one is taken, exit 0', async () => {
    const pid = pidOf(sb.inst.runDir, 'WatchLG');
    const bad = join(sb.inst.root, 'modules/WatchLG/rules/105-broken.rule');
    writeFileSync(bad, 'RULE=broken\nPattern=": x"\nif [[ "$REPLY" =~ "$Pattern" ]]; then inject; fi\n');
    const refused = await sb.run('bin/Refresh', ['lg']);
    expect(refused.exitCode).toBe(65);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`Refresh: WatchLG (pid ${pid}) refused the new rules, it keeps the old ones:\n  ${bad}:3: the decision must end with 'return N' or 'return $?' (without it bash falls through to the next rule): "inject"`);
    // A second Refresh of the same broken file gets its own answer, not the first one's.
    expect((await sb.run('bin/Refresh', ['lg'])).exitCode).toBe(65);
    // The old rules still count.
    sb.feed([`${H} sshd[9]: Invalid user x from 203.0.113.78 port 2`]);
    await sb.waitFor('the old rules counting', () => sb.row('203.0.113.78'));

    writeFileSync(bad, 'RULE=sample-noise\nPattern=": x-noise"\nif [[ "$REPLY" =~ "$Pattern" ]]; then return 0; fi\n#expect match sample-noise -\n#line sshd[1]: x-noise\n');
    const taken = await sb.run('bin/Refresh', ['lg']);
    expect(taken.exitCode, taken.stderr).toBe(0);
    // The shipped rule files and the one added.
    const shipped = readdirSync(join(sb.inst.root, 'modules/WatchLG/rules')).filter((f) => /^\d{3}-.+\.rule$/.test(f)).length - 1;
    expect(taken.stdout).toMatch(new RegExp(`^WatchLG \\(pid ${pid}\\): new rules taken: \\d+ rules in ${shipped + 1} files$`));
    rmSync(bad);
    expect((await sb.run('bin/Refresh', ['lg'])).stdout).toMatch(new RegExp(`new rules taken: \\d+ rules in ${shipped} files`));
  });

  it('after watcher stop, check starts nothing and says nothing', async () => {
    expect((await sb.run('master/watcher', ['stop'])).exitCode).toBe(0);
    const check = await sb.run('master/watcher', ['check']);
    expect(check).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(existsSync(join(sb.inst.runDir, 'WatchLG.pid'))).toBe(false);
  });
});

describe('watcher start, check and status with modules that fail', () => {
  let ns: Netns;
  let inst: Installation;
  beforeEach(async () => {
    ({ ns, inst } = await makeMasterSandbox());
    installFixtureModule(inst, 'WatchTT');
    installFixtureModule(inst, 'WatchUU');
    inst.write('watcher.conf', 'MODULES="WatchTT WatchUU"\nSTOP_GRACE=2\n');
    inst.write('loader.conf', '');
  });
  afterEach(async () => {
    await runMaster(ns, inst, 'watcher', ['stop']).catch(() => undefined);
    await ns?.destroy();
    inst?.remove();
  });
  const log = (name: string): string => readFileSync(join(inst.logDir, `${name}.log`), 'utf8');

  it('start exits non-zero naming a module that dies during its start, after its first half second', async () => {
    const r = await runMaster(ns, inst, 'watcher', ['start'], { FIXTURE_DELAY_MS: '1500', FIXTURE_EXIT_WatchUU: '70' });
    expect(r.exitCode).toBe(1);
    const failed = /WatchUU\[(\d+)\]: start failed/.exec(log('WatchUU'))!;
    expect(r.stderr).toBe(`watcher: module WatchUU not started: it ended during its start (exit 70); see ${join(inst.logDir, 'WatchUU.log')}, its last line: "WatchUU[${failed[1]}]: start failed (exit 70)"`);
    expect(r.stdout).toMatch(/Starting module WatchTT \.\.\.\nStarting module WatchUU \.\.\.$/);
    // The slow one that came up was waited for, and runs.
    expect(alive(pidOf(inst.runDir, 'WatchTT'))).toBe(true);
    const st = await runMaster(ns, inst, 'watcher', ['status']);
    expect(st.exitCode).toBe(3);
    expect(st.stdout).toMatch(/^  WatchUU    not running$/m);
  });

  it('a module that dies at once is started again at most 5 times within 10 min, then given up (logged once) until the next start', async () => {
    expect((await runMaster(ns, inst, 'watcher', ['start'])).exitCode).toBe(0);
    const tt = pidOf(inst.runDir, 'WatchTT');
    const uu = pidOf(inst.runDir, 'WatchUU');
    process.kill(uu, 'SIGKILL');
    const dying = { FIXTURE_EXIT_WatchUU: '3' };
    for (let n = 1; n <= 5; n++) {
      const c = await runMaster(ns, inst, 'watcher', ['check'], dying);
      expect(c.exitCode).toBe(3);
      expect(c.stdout).toBe('');
      // The first time the killed one's pid file is left; then each start failed by itself.
      const why = n === 1 ? `pid ${uu} is gone and left its pid file: killed or crashed; its last log line: "WatchUU\\[${uu}\\]: started"`
        : 'no pid file: it ended by itself or was never started; its last log line: "WatchUU\\[\\d+\\]: start failed \\(exit 3\\)"';
      expect(c.stderr).toMatch(new RegExp(`^watcher: WatchUU was down \\(${why}\\): started again, but it ended during its start \\(exit 3\\); see \\S+WatchUU\\.log, its last line: "WatchUU\\[\\d+\\]: start failed \\(exit 3\\)" \\(restart ${n} of 5 within 10 min\\)$`));
    }
    const giveUp = await runMaster(ns, inst, 'watcher', ['check'], dying);
    expect(giveUp.exitCode).toBe(3);
    expect(giveUp.stderr).toMatch(/^watcher: WatchUU is down \(no pid file: .*\); 5 restarts within 10 min: given up until the next watcher start$/);
    const quiet = await runMaster(ns, inst, 'watcher', ['check'], dying);
    expect(quiet).toMatchObject({ exitCode: 3, stdout: '', stderr: '' });
    expect(log('WatchUU').match(/watcher\[\d+\]: WatchUU was down/g)).toHaveLength(5);
    expect(log('WatchUU').match(/given up until the next watcher start/g)).toHaveLength(1);
    // The other module was left alone.
    expect(pidOf(inst.runDir, 'WatchTT')).toBe(tt);
    const st = await runMaster(ns, inst, 'watcher', ['status']);
    expect(st.exitCode).toBe(3);
    expect(st.stdout).toMatch(/^  WatchUU    not running: given up at \S+ after 5 restarts within 10 min \(watcher start tries again\)$/m);
    expect(st.stdout).toMatch(new RegExp(`^  WatchTT    running, pid ${tt} `, 'm'));

    const start = await runMaster(ns, inst, 'watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain(`Module WatchTT is already running (pid ${tt})\nStarting module WatchUU ...`);
    expect((await runMaster(ns, inst, 'watcher', ['status'])).exitCode).toBe(0);
  });

  it('an unknown module name in MODULES is a configuration error (78) for start, status and check: nothing is started', async () => {
    inst.write('watcher.conf', '# modules\nSTOP_GRACE=2\nMODULES="WatchTT WatchLg"\n');
    const conf = join(inst.root, 'watcher.conf');
    const want = `${conf}:3: MODULES="WatchTT WatchLg": unknown module 'WatchLg' (did you mean WatchLG?): installed are GeoTrack WatchLG WatchMB WatchMX WatchTT WatchUU WatchWB`;
    for (const verb of ['start', 'status', 'check']) {
      const r = await runMaster(ns, inst, 'watcher', [verb]);
      expect(r.exitCode, verb).toBe(78);
      expect(r.stderr, verb).toBe(`watcher: ${want}`);
      expect(r.stdout, verb).toBe('');
    }
    expect(existsSync(join(inst.runDir, 'WatchTT.pid'))).toBe(false);
  });
});
