// File modes whatever the umask: the programs of a throwaway installation run with umask 000
// (and 077) create RUN_DIR, LOG_DIR, FIFO_BASE and every file in them with the README's modes.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Installation } from '../helpers/install.js';
import { makeMasterSandbox } from '../helpers/master.js';
import { requireTools, type Netns } from '../helpers/netns.js';

const ATTACKER = '203.0.113.90';
const LINE = `Nov  1 00:00:00 vmd28527 sshd[1]: Invalid user admin from ${ATTACKER} port 22`;

/** Node's --import runs this before the program: the umask of a careless shell, no shell needed. */
const withUmask = (umask: number): string[] => ['--import', `data:text/javascript,process.umask(0o${umask.toString(8)})`];
const modeOf = (path: string): string => (existsSync(path) ? (statSync(path).mode & 0o7777).toString(8).padStart(4, '0') : 'missing');

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A sandbox whose system paths lie under a directory that does not exist yet: Watcher creates them all. */
function freshPaths(inst: Installation, name: string) {
  const top = join(inst.root, '..', name);
  return { top, FIFO_BASE: join(top, 'pipes'), RUN_DIR: join(top, 'run/watcher'), LOG_DIR: join(top, 'log'), TOOLPATH: join(top, 'sbin') };
}

describe.each([0o000, 0o077])('the service started with umask %o', (umask) => {
  let ns: Netns, inst: Installation, paths: ReturnType<typeof freshPaths>;
  const run = async (rel: string, args: string[] = []) => {
    const { top: _, ...env } = paths;
    const r = await ns.exec(process.execPath, [...withUmask(umask), join(inst.root, rel), ...args], { env: { ...process.env, ...env } });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  beforeAll(async () => {
    ({ ns, inst } = await makeMasterSandbox());
    paths = freshPaths(inst, 'fresh');
    inst.write('watcher.conf', 'MODULES=WatchLG\nSTOP_GRACE=5\n');
    inst.write('loader.conf', 'modules/WatchLG/Load\n');
    inst.write('modules/WatchLG/WatchLG.conf', 'TRACE=yes\nGEOTRACK=\nDNS_SERVER=off\nSESSION_WAIT=1\n');
  });
  afterAll(async () => {
    await run('master/watcher', ['stop']);
    await ns?.destroy();
    inst?.remove();
  });

  it('RUN_DIR, LOG_DIR, FIFO_BASE and pid, lock, status, state, log, trace, database, Loadfile, Flushload, CSV', async () => {
    const start = await run('master/watcher', ['start']);
    expect(start.exitCode, start.stderr).toBe(0);
    const status = join(paths.RUN_DIR, 'WatchLG.status');
    await waitFor('the status file', () => existsSync(status));
    appendFileSync(join(paths.FIFO_BASE, 'WatchLG'), `${LINE}\n`);
    const db = join(inst.root, 'modules/WatchLG/WatchLG.db');
    await waitFor('the affair counted', () => (JSON.parse(readFileSync(status, 'utf8')) as { tarpitted: number }).tarpitted >= 1);
    for (const prog of ['modules/WatchLG/Load', 'modules/WatchLG/Stat']) {
      const r = await run(prog);
      expect(r.exitCode, `${prog}: ${r.stderr}`).toBe(0);
    }
    const loadfile = join(inst.root, 'Loadfiles/Loadfile-WatchLG');
    expect(readFileSync(loadfile, 'utf8')).toContain(`add tarpit ${ATTACKER} timeout`);
    // freeme rewrites the Loadfile without the address: still 0600.
    const free = await run('bin/freeme', [ATTACKER]);
    expect(free.exitCode, free.stderr).toBe(0);
    expect(free.stdout).toContain(`${ATTACKER}: removed from ${loadfile}`);

    const want: Record<string, string> = {
      [paths.top]: '0755', [join(paths.RUN_DIR, '..')]: '0755', [paths.RUN_DIR]: '0755', [paths.LOG_DIR]: '0755', [paths.FIFO_BASE]: '0700',
      [join(paths.FIFO_BASE, 'WatchLG')]: '0600',
      [join(paths.RUN_DIR, 'watcher.lock')]: '0644', [join(paths.RUN_DIR, 'WatchLG.pid')]: '0644', [status]: '0644',
      [join(paths.RUN_DIR, 'FillFW.state')]: '0600',
      [join(paths.LOG_DIR, 'WatchLG.log')]: '0600', [join(inst.root, 'modules/WatchLG/WatchLG.trace')]: '0600',
      [db]: '0600', [`${db}-wal`]: '0600', [`${db}-shm`]: '0600',
      [loadfile]: '0600', [join(inst.root, 'Loadfiles/Flushload')]: '0600',
      [join(inst.root, 'modules/WatchLG/Statistics-LG.csv')]: '0600',
    };
    expect(Object.fromEntries(Object.keys(want).map((p) => [p, modeOf(p)]))).toEqual(want);
  });
});

describe('master/Prep run with umask 000', () => {
  let ns: Netns, inst: Installation;
  beforeAll(async () => { ({ ns, inst } = await makeMasterSandbox()); });
  afterAll(async () => { await ns?.destroy(); inst?.remove(); });

  it('creates RUN_DIR, LOG_DIR, TOOLPATH 0755, FIFO_BASE 0700, FIFOs and databases 0600, snippet and unit 0644, init script 0755', async () => {
    requireTools(['rsyslogd']);
    const { top, ...paths } = freshPaths(inst, 'fresh-prep');
    const etc = join(top, 'etc');
    // The logger's include directory must exist (Prep does not make it): the test's own, outside `top`.
    const rsyslog = mkdtempSync(join(inst.root, '..', 'rsyslog.d-'));
    const r = await ns.exec(process.execPath, [...withUmask(0), join(inst.root, 'master/Prep'), '--logger', 'rsyslog', '--rsyslog-dir', rsyslog,
      '--init-dir', join(etc, 'init.d'), '--systemd-dir', join(etc, 'systemd/system'), '--no-enable'], { env: { ...process.env, ...paths } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const db = (m: string) => join(inst.root, 'modules', m, `${m}.db`);
    const want: Record<string, string> = {
      [top]: '0755', [join(paths.RUN_DIR, '..')]: '0755', [paths.RUN_DIR]: '0755', [paths.LOG_DIR]: '0755', [paths.TOOLPATH]: '0755', [paths.FIFO_BASE]: '0700',
      [join(paths.FIFO_BASE, 'WatchLG')]: '0600', [join(paths.FIFO_BASE, 'WatchMX')]: '0600',
      [db('WatchLG')]: '0600', [db('WatchMX')]: '0600',
      [join(etc, 'init.d')]: '0755', [join(etc, 'init.d/watcher')]: '0755', [join(etc, 'systemd/system/watcher.service')]: '0644',
      [join(rsyslog, 'watcher.conf')]: '0644',
    };
    expect(Object.fromEntries(Object.keys(want).map((p) => [p, modeOf(p)]))).toEqual(want);
  });
});
