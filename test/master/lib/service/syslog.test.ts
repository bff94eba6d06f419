// The logger snippets: what they say, the loggers' own syntax checks, and the install into given directories.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRsyslogConf, renderSyslogNgConf, findSyslogNgSource, FEEDS } from '../../../../master/lib/service/syslog.js';
import { checkRsyslogConf } from '../../../../master/lib/service/syslog-check.js';
import { installLoggerConf, detectLogger } from '../../../../master/lib/service/syslog-install.js';
import { ensureFifo } from '../../../../master/lib/module/fifo.js';
import { requireTools } from '../../../helpers/netns.js';

describe('logger snippets', () => {
  it('map authpriv/auth, mail and local2 to WatchLG, WatchMX and WatchWB (rsyslog)', () => {
    const text = renderRsyslogConf({ fifoBase: '/var/log/.pipes' });
    expect(text).toContain('auth,authpriv.* action(type="ompipe" name="watcher-WatchLG" pipe="/var/log/.pipes/WatchLG"');
    expect(text).toContain('mail.* action(type="ompipe" name="watcher-WatchMX" pipe="/var/log/.pipes/WatchMX"');
    expect(text).toContain('local2.* action(type="ompipe" name="watcher-WatchWB" pipe="/var/log/.pipes/WatchWB"');
    expect(text.match(/action\.resumeRetryCount="-1"/g)).toHaveLength(3);
    expect(text.match(/queue\.type="LinkedList"/g)).toHaveLength(3);
  });

  it('map the same facilities with pipe() destinations (syslog-ng)', () => {
    const text = renderSyslogNgConf({ fifoBase: '/var/log/.pipes', source: 's_sys' });
    expect(text).toContain('destination d_watcher_WatchLG { pipe("/var/log/.pipes/WatchLG" template(t_watcher_fifo)');
    expect(text).toContain('filter f_watcher_WatchLG { facility(auth, authpriv); };');
    expect(text).toContain('filter f_watcher_WatchMX { facility(mail); };');
    expect(text).toContain('filter f_watcher_WatchWB { facility(local2); };');
    expect(text).toContain('log { source(s_sys); filter(f_watcher_WatchWB); destination(d_watcher_WatchWB); };');
  });

  it('refuse a FIFO_BASE that would need quoting, naming the value', () => {
    expect(() => renderRsyslogConf({ fifoBase: '/var/log/"x' })).toThrow(/FIFO_BASE="\/var\/log\/\\"x": must be an absolute path/);
    expect(() => renderSyslogNgConf({ fifoBase: 'relative/pipes' })).toThrow(/FIFO_BASE="relative\/pipes"/);
  });

  it('find the local source of a syslog-ng main configuration (Debian s_src, RHEL s_sys)', () => {
    expect(findSyslogNgSource('@version: 3.38\n# source s_old { system(); };\nsource s_net { udp(); };\nsource s_src {\n system();\n internal();\n};\n')).toBe('s_src');
    expect(findSyslogNgSource('source s_sys { system(); internal(); };')).toBe('s_sys');
    expect(findSyslogNgSource('')).toBeUndefined();
  });
});

describe('rsyslogd -N1 on the snippet', () => {
  beforeEach(() => requireTools(['rsyslogd']));

  it('accepts the rendered snippet', async () => {
    await expect(checkRsyslogConf(renderRsyslogConf({ fifoBase: '/var/log/.pipes' }))).resolves.toBeUndefined();
  });

  it('refuses a broken one with rsyslog\'s own message', async () => {
    const broken = renderRsyslogConf({ fifoBase: '/var/log/.pipes' }).replace('queue.size=', 'queue.sise=');
    await expect(checkRsyslogConf(broken)).rejects.toMatchObject({ exitCode: 78, message: expect.stringMatching(/rsyslog refuses the Watcher snippet: .*queue\.sise/) });
  });
});

describe('installLoggerConf', () => {
  let dir: string;
  beforeEach(() => { requireTools(['rsyslogd', 'mkfifo']); dir = mkdtempSync(join(tmpdir(), 'watcher-syslog-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the rsyslog snippet and the FIFOs (0600), and a second run changes nothing', async () => {
    const rsyslogDir = join(dir, 'rsyslog.d');
    mkdirSync(rsyslogDir);
    const fifoBase = join(dir, 'pipes');
    const first = await installLoggerConf({ fifoBase, logger: 'rsyslog', rsyslogDir });
    expect(first).toMatchObject({ logger: 'rsyslog', path: join(rsyslogDir, 'watcher.conf'), changed: true });
    expect(first.note).toMatch(/restart it to apply \(service rsyslog restart\)/);
    expect(readFileSync(join(rsyslogDir, 'watcher.conf'), 'utf8')).toBe(renderRsyslogConf({ fifoBase }));
    for (const m of FEEDS.map((f) => f.module)) {
      const st = lstatSync(join(fifoBase, m));
      expect(st.isFIFO()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
    }
    expect(first.fifos.map((f) => f.state)).toEqual(['created', 'created', 'created']);
    const ino = statSync(join(fifoBase, 'WatchLG')).ino;
    const mtime = statSync(first.path!).mtimeMs;
    const second = await installLoggerConf({ fifoBase, logger: 'rsyslog', rsyslogDir });
    expect(second).toMatchObject({ changed: false, note: expect.stringContaining('is up to date') });
    expect(second.fifos.map((f) => f.state)).toEqual(['exists', 'exists', 'exists']);
    expect(statSync(join(fifoBase, 'WatchLG')).ino).toBe(ino);
    expect(statSync(first.path!).mtimeMs).toBe(mtime);
  });

  it('detects rsyslog by its program and include directory, and reports none without either', () => {
    const rsyslogDir = join(dir, 'rsyslog.d');
    mkdirSync(rsyslogDir);
    const noNg = { path: join(dir, 'no-syslog-ng') };
    expect(detectLogger({ fifoBase: '/x', rsyslogDir, syslogNgDir: join(dir, 'nope') })).toBe('rsyslog');
    expect(detectLogger({ fifoBase: '/x', rsyslogDir: join(dir, 'nope'), syslogNgDir: join(dir, 'nope2'), syslogNg: noNg })).toBe('none');
  });

  it('with no logger it still makes the FIFOs and says what to configure', async () => {
    const r = await installLoggerConf({ fifoBase: join(dir, 'pipes'), rsyslogDir: join(dir, 'none'), syslogNgDir: join(dir, 'none') });
    expect(r.logger).toBe('none');
    expect(r.note).toContain(`auth,authpriv -> ${join(dir, 'pipes', 'WatchLG')}`);
    expect(existsSync(join(dir, 'pipes', 'WatchMX'))).toBe(true);
  });

  it('leaves a broken snippet uninstalled', async () => {
    const rsyslogDir = join(dir, 'rsyslog.d');
    mkdirSync(rsyslogDir);
    // A facility rsyslog does not know passes Watcher's name check but not rsyslogd -N1.
    await expect(installLoggerConf({ fifoBase: join(dir, 'p'), logger: 'rsyslog', rsyslogDir, feeds: [{ module: 'WatchLG', facilities: ['nosuchfacility'] }] }))
      .rejects.toMatchObject({ exitCode: 78 });
    expect(existsSync(join(rsyslogDir, 'watcher.conf'))).toBe(false);
  });
});

describe('ensureFifo, as the logger needs it', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'watcher-fifo-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('tightens an existing FIFO to 0600 and keeps it (same inode)', async () => {
    const p = join(dir, 'WatchLG');
    await execa('mkfifo', [p]);
    chmodSync(p, 0o666);
    const ino = statSync(p).ino;
    await ensureFifo(p);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(statSync(p).ino).toBe(ino);
  });

  it('tightens an existing FIFO_BASE to 0700', async () => {
    chmodSync(dir, 0o755);
    await ensureFifo(join(dir, 'WatchLG'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a path that is not a FIFO', async () => {
    const p = join(dir, 'WatchMX');
    writeFileSync(p, 'x');
    await expect(ensureFifo(p)).rejects.toMatchObject({ exitCode: 78, message: expect.stringContaining('exists and is not a FIFO') });
  });
});
