import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModuleConf, loadWatcherConf } from '../../../../common.conf.js';
import { loadSettings } from '../../../../master/lib/core/settings.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'wconf-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

const noEnv = { env: {} as NodeJS.ProcessEnv };

describe('settings', () => {
  it('gives the defaults when watcher.conf is missing', () => {
    const s = loadWatcherConf({ master: tree({}), ...noEnv });
    expect(s.FIFO_BASE).toBe('/var/log/.pipes');
    expect(s.RUN_DIR).toBe('/run/watcher');
    expect(s.TOOLPATH).toBe('/usr/local/sbin');
    expect(s.MAX_AFFAIRS).toBe(5);
    expect(s.MODULES).toEqual(['WatchLG', 'WatchMX', 'WatchWB', 'GeoTrack']);
  });

  it('layers defaults < watcher.conf < module conf < environment', () => {
    const master = tree({
      'watcher.conf': 'LOG_DIR=/srv/log\nMAX_AFFAIRS=7\nTRACE=yes\n',
      'modules/WatchLG/WatchLG.conf': 'MAX_AFFAIRS=3\n',
    });
    const s = loadModuleConf('WatchLG', {}, { master, env: { LOG_DIR: '/tmp/l', MAX_AFFAIRS: '9' } });
    expect(s.MAX_AFFAIRS).toBe(3); // not an environment key
    expect(s.TRACE).toBe('yes');
    expect(s.LOG_DIR).toBe('/tmp/l');
    expect(s.LOGFILE).toBe('/tmp/l/WatchLG.log'); // the default follows LOG_DIR
  });

  it('expands $LOG_DIR and $MASTER_PATH in values', () => {
    const master = tree({ 'modules/WatchLG/WatchLG.conf': 'LOGFILE=$MASTER_PATH/x.log\n' });
    expect(loadModuleConf('WatchLG', {}, { master, ...noEnv }).LOGFILE).toBe(join(master, 'x.log'));
  });

  // [file text, message]
  const bad: [string, RegExp][] = [
    ['\n\nNO_SUCH_KEY=1\n', /watcher\.conf:3: NO_SUCH_KEY="1": unknown key/],
    ['MAX_AFFAIRS=five\n', /watcher\.conf:1: MAX_AFFAIRS="five": not a whole number >= 1 and <= 30/],
    ['MAX_AFFAIRS=0\n', /MAX_AFFAIRS="0": not a whole number >= 1/],
    ['FIFO_BASE=relative/dir\n', /watcher\.conf:1: FIFO_BASE="relative\/dir": not an absolute path/],
    ['FIREWALL=pf\n', /FIREWALL="pf": must be one of iptables, nftables/],
    ['REPORTMAIL=$(mail root)\n', /watcher\.conf:1: REPORTMAIL="\$\(mail root\)": command substitution/],
  ];
  it.each(bad)('refuses %j with exit 78', (text, msg) => {
    const master = tree({ 'watcher.conf': text });
    let err: { message: string; exitCode: number } | undefined;
    try { loadWatcherConf({ master, ...noEnv }); } catch (e) { err = e as typeof err; }
    expect(err?.exitCode).toBe(78);
    expect(err?.message).toContain(join(master, 'watcher.conf'));
    expect(err?.message).toMatch(msg);
  });

  it.each([['TIME_SLICE=garbled'], ['TIME_SLICE='], ['TIME_SLICE=0']])('%s falls back to 60 with a warning', (line) => {
    const master = tree({ 'modules/WatchLG/WatchLG.conf': `\n${line}\n` });
    const warnings: string[] = [];
    const s = loadModuleConf('WatchLG', {}, { master, ...noEnv, warn: (m) => warnings.push(m) });
    expect(s.TIME_SLICE).toBe(60);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WatchLG\.conf:2: TIME_SLICE=.* using 60/);
  });

  it('takes module keys of its own', () => {
    const master = tree({ 'modules/GeoTrack/GeoTrack.conf': "ZONES='cn ru'\n" });
    const s = loadModuleConf('GeoTrack', { ZONES: { type: 'list', default: '', doc: 'zones' } } as const, { master, ...noEnv });
    expect(s.ZONES).toEqual(['cn', 'ru']);
  });

  describe('a program that names the keys it needs', () => {
    const load = (files: Record<string, string>, needs: ('RUN_DIR' | 'FIREWALL' | 'TRACE')[], env: NodeJS.ProcessEnv = {}) => {
      const master = tree(files);
      const warnings: string[] = [];
      const s = loadModuleConf('WatchLG', {}, { master, env, needs, warn: (m) => warnings.push(m) });
      return { s, warnings, conf: join(master, 'watcher.conf'), mod: join(master, 'modules/WatchLG/WatchLG.conf') };
    };

    it('takes a bad value of another key with a warning, in line order, and keeps the default', () => {
      const { s, warnings, conf } = load({ 'watcher.conf': 'RUN_DIR=/srv/run\nSTOP_GRACE=abc\nTIMESLICE=3\necho hi\nMAX_AFFAIRS=7\n' }, ['RUN_DIR']);
      expect(s.RUN_DIR).toBe('/srv/run');
      expect(s.STOP_GRACE).toBe(5);
      expect(s.MAX_AFFAIRS).toBe(7);
      expect(warnings).toEqual([
        `${conf}:2: STOP_GRACE="abc": not a whole number >= 0 and <= 300; using the default STOP_GRACE=5`,
        expect.stringMatching(new RegExp(`^${conf}:3: TIMESLICE="3": unknown key \\(known: .*\\); line ignored$`)),
        `${conf}:4: not an assignment: "echo hi" (a command 'echo' is never run); line ignored`,
      ]);
    });

    it('keeps the value an earlier file set when a later one spoils it', () => {
      const { s, warnings, conf, mod } = load({ 'watcher.conf': 'MAX_AFFAIRS=7\n', 'modules/WatchLG/WatchLG.conf': 'MAX_AFFAIRS=lots\n' }, ['TRACE']);
      expect(s.MAX_AFFAIRS).toBe(7);
      expect(warnings).toEqual([`${mod}:1: MAX_AFFAIRS="lots": not a whole number >= 1 and <= 30; using MAX_AFFAIRS=7 of ${conf}:1`]);
    });

    it.each([
      ['RUN_DIR=run\n', 'RUN_DIR="run": not an absolute path'],
      ['FIREWALL = nftables\n', 'not an assignment: "FIREWALL = nftables" (a command \'FIREWALL\' is never run)'],
      ['RUN_DIR=$(pwd)\n', 'RUN_DIR="$(pwd)": command substitution $(...) is refused'],
    ])('still refuses %j of a key it needs (exit 78)', (text, reason) => {
      let err: { message: string; exitCode: number } | undefined;
      try { load({ 'watcher.conf': `STOP_GRACE=abc\n${text}` }, ['RUN_DIR', 'FIREWALL']); } catch (e) { err = e as typeof err; }
      expect(err?.exitCode).toBe(78);
      expect(err?.message.endsWith(`/watcher.conf:2: ${reason}`), err?.message).toBe(true);
    });

    it('refuses a bad environment value of a key it needs, warns about one it does not', () => {
      expect(() => load({}, ['RUN_DIR'], { RUN_DIR: 'rel' })).toThrow('environment:0: RUN_DIR="rel": not an absolute path');
      const { s, warnings } = load({}, ['TRACE'], { RUN_DIR: 'rel' });
      expect(s.RUN_DIR).toBe('/run/watcher');
      expect(warnings).toEqual(['environment:0: RUN_DIR="rel": not an absolute path; using the default RUN_DIR=/run/watcher']);
    });

    it('without needs, the first bad line in file order is the error', () => {
      const master = tree({ 'watcher.conf': 'STOP_GRACE=abc\necho hi\n' });
      expect(() => loadWatcherConf({ master, ...noEnv })).toThrow(`${join(master, 'watcher.conf')}:1: STOP_GRACE="abc": not a whole number >= 0 and <= 300`);
    });
  });

  it('ignores empty environment values', () => {
    const s = loadSettings({ RUN_DIR: { type: 'path', default: '/run/watcher', env: true, doc: '' } }, [], { env: { RUN_DIR: '' } });
    expect(s.RUN_DIR).toBe('/run/watcher');
  });
});
