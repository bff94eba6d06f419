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

  it('ignores empty environment values', () => {
    const s = loadSettings({ RUN_DIR: { type: 'path', default: '/run/watcher', env: true, doc: '' } }, [], { env: { RUN_DIR: '' } });
    expect(s.RUN_DIR).toBe('/run/watcher');
  });
});
