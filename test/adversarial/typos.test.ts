// Typos and emergencies: a bad value of a key a tool does not need never locks the administrator
// out (freeme, watcher stop and status, Blacklist, Whitelist, Trace, Refresh warn and go on);
// a bad value of a key it needs, and any bad value for watcher start, is still exit 78.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCHER_KEYS } from '../../common.conf.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';

const H = 'Nov  1 00:00:00 vmd28527';
const ATTACKER = '203.0.113.80';
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };

describe('a typo in watcher.conf', () => {
  let sb: Sandbox;
  let conf: string, moduleConf: string, pid: number;
  // The warning every tolerant program prints for watcher.conf's second line STOP_GRACE=abc.
  let stopGrace: string;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=yes\nGEOTRACK=\nDNS_SERVER=off\nSESSION_WAIT=1');
    await prepareService(sb, 'WatchLG', { loader: '' });
    await startService(sb, 'WatchLG');
    pid = Number(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8'));
    sb.feed([`${H} sshd[1]: Invalid user admin from ${ATTACKER} port 22`]);
    await sb.waitFor('the attacker in the tarpit', async () => (await sb.members('tarpit')).has(ATTACKER));
    conf = join(sb.inst.root, 'watcher.conf');
    moduleConf = join(sb.inst.root, 'modules/WatchLG/WatchLG.conf');
    stopGrace = `warning: ${conf}:2: STOP_GRACE="abc": not a whole number >= 0 and <= 300; using the default STOP_GRACE=5`;
    sb.inst.write('watcher.conf', 'MODULES=WatchLG\nSTOP_GRACE=abc\n');
  }, 60_000);
  afterAll(async () => {
    sb?.inst.write('watcher.conf', 'MODULES=WatchLG\n');
    await closeService(sb);
  });

  it('is refused by start, restart, reload and full (exit 78), which change nothing', async () => {
    for (const verb of ['start', 'restart', 'reload', 'full']) {
      const r = await sb.run('master/watcher', [verb]);
      expect({ verb, code: r.exitCode, stdout: r.stdout, stderr: r.stderr })
        .toEqual({ verb, code: 78, stdout: '', stderr: `watcher: ${conf}:2: STOP_GRACE="abc": not a whole number >= 0 and <= 300` });
    }
    expect(alive(pid)).toBe(true);
    expect((await sb.members('tarpit')).has(ATTACKER)).toBe(true);
  });

  it('does not stop watcher status: a warning, then the status', async () => {
    const r = await sb.run('master/watcher', ['status']);
    expect(r.stderr).toBe(stopGrace);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^  WatchLG    running, pid ${pid} since `, 'm'));
  });

  it('does not stop freeme, nor does an unknown key or a line that is no assignment', async () => {
    sb.inst.write('watcher.conf', 'MODULES=WatchLG\nSTOP_GRACE=abc\nTIMESLICE=30\nreboot now\n');
    const r = await sb.run('bin/freeme', [ATTACKER]);
    expect(r.stderr).toBe([
      stopGrace,
      `warning: ${conf}:3: TIMESLICE="30": unknown key (known: ${Object.keys(WATCHER_KEYS).join(' ')}); line ignored`,
      `warning: ${conf}:4: not an assignment: "reboot now" (a command 'reboot' is never run); line ignored`,
    ].join('\n'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${ATTACKER}: removed from set tarpit\n${ATTACKER}: removed from ${join(sb.inst.root, 'modules/WatchLG/WatchLG.db')}`);
    expect((await sb.members('tarpit')).has(ATTACKER)).toBe(false);
    expect(sb.row(ATTACKER)).toBeUndefined();
    sb.inst.write('watcher.conf', 'MODULES=WatchLG\nSTOP_GRACE=abc\n');
  });

  it('does not stop Whitelist, Blacklist or Refresh', async () => {
    sb.inst.write('whitelist', '198.51.100.7\n');
    const w = await sb.run('master/Whitelist');
    expect([w.exitCode, w.stderr]).toEqual([0, stopGrace]);
    expect(w.stdout).toBe(`Set whitelist: 1 entries\nWhitelist changed: WatchLG (pid ${pid}) reread it (SIGHUP)`);
    sb.inst.write('blacklist', '198.51.100.0/24\n');
    const b = await sb.run('master/Blacklist');
    expect([b.exitCode, b.stderr, b.stdout]).toEqual([0, stopGrace, 'Set blacklist: 1 entries']);
    const r = await sb.run('bin/Refresh', ['lg']);
    expect([r.exitCode, r.stderr]).toEqual([0, stopGrace]);
    expect(r.stdout).toMatch(new RegExp(`^WatchLG \\(pid ${pid}\\): new rules taken: \\d+ rules in \\d+ files$`));
  });

  it('in watcher.conf or the module conf does not stop Trace', async () => {
    const good = readFileSync(moduleConf, 'utf8');
    sb.inst.write('modules/WatchLG/WatchLG.conf', `${good}MAX_AFFAIRS=lots\n`);
    const line = good.split('\n').length;
    try {
      const r = await sb.run('bin/Trace', ['LG', '--no-follow', '-n', '1']);
      expect(r.stderr).toBe(`${stopGrace}\nwarning: ${moduleConf}:${line}: MAX_AFFAIRS="lots": not a whole number >= 1 and <= 30; using the default MAX_AFFAIRS=5`);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^\S+ WatchLG\[\d+\]: /);
    } finally { sb.inst.write('modules/WatchLG/WatchLG.conf', good); }
  });

  it('of a key the tool needs is still exit 78, naming file:line, key and value', async () => {
    sb.inst.write('watcher.conf', 'MODULES=WatchLG\nFIREWALL=ipatbles\n');
    const fw = `${conf}:2: FIREWALL="ipatbles": must be one of iptables, nftables`;
    for (const [prog, args, name] of [['bin/freeme', [ATTACKER], 'freeme'], ['master/watcher', ['status'], 'watcher'], ['master/Whitelist', [], 'Whitelist'], ['master/Blacklist', [], 'Blacklist']] as const) {
      const r = await sb.run(prog, [...args]);
      expect({ prog, code: r.exitCode, stderr: r.stderr, stdout: r.stdout }).toEqual({ prog, code: 78, stderr: `${name}: ${fw}`, stdout: '' });
    }
    sb.inst.write('watcher.conf', 'MODULES=WatchLG\nRUN_DIR=run\n');
    for (const [prog, args, name] of [['master/watcher', ['stop'], 'watcher'], ['bin/Refresh', ['lg'], 'Refresh']] as const) {
      const r = await sb.run(prog, [...args]);
      expect({ prog, code: r.exitCode, stderr: r.stderr }).toEqual({ prog, code: 78, stderr: `${name}: ${conf}:2: RUN_DIR="run": not an absolute path` });
    }
    expect(alive(pid)).toBe(true);
    sb.inst.write('watcher.conf', 'MODULES=WatchLG\nSTOP_GRACE=abc\n');
  });

  it('does not stop watcher stop: it waits the default STOP_GRACE and the module ends', async () => {
    const r = await sb.run('master/watcher', ['stop']);
    expect([r.exitCode, r.stderr, r.stdout]).toEqual([0, stopGrace, 'Stopping module WatchLG ...']);
    expect(alive(pid)).toBe(false);
  });
});
