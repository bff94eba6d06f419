// The demo from the outside: a throwaway installation, the inside run in a new network namespace, removal.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram, run, spawnChannel } from '../../master/lib/core/runner.js';
import { WatcherError, EX_UNAVAILABLE } from '../../master/lib/core/exit.js';
import { neededPrograms } from '../../master/lib/service/prep-steps.js';
import { makeDemoInstallation, type DemoPaths } from './install.js';
import type { DemoFirewall } from './sets.js';

/** Exit code of an interrupted demo (as a shell reports SIGINT). */
export const EX_INTERRUPTED = 130;

// The demo's own programs; the firewall backend's come from what Prep checks.
const NEEDED: Record<string, string> = { unshare: 'util-linux', ip: 'iproute2', rsyslogd: 'rsyslog', logger: 'bsdutils', mkfifo: 'coreutils' };

/** Refuse to start without root or a needed program (the backend's too), naming its Debian package. */
export function checkDemoNeeds(firewall: DemoFirewall): void {
  if (process.getuid?.() !== 0) throw new WatcherError('the demo needs root (a network namespace and its own firewall)', EX_UNAVAILABLE);
  const needed = { ...NEEDED, ...neededPrograms(firewall) };
  const missing = Object.keys(needed).filter((p) => !findProgram(p));
  if (missing.length) throw new WatcherError(`missing: ${missing.map((p) => `${p} (Debian package ${needed[p]})`).join(', ')}`, EX_UNAVAILABLE);
}

// A module or the rsyslogd still running after the inside ended (it was killed): stop them.
async function stopLeftovers(p: DemoPaths): Promise<void> {
  if (existsSync(p.env.RUN_DIR) && readdirSync(p.env.RUN_DIR).some((f) => f.endsWith('.pid'))) {
    await run(process.execPath, [join(p.root, 'master/watcher'), 'stop'], { env: { ...process.env, ...p.env }, allowFail: true });
  }
  try {
    const pid = Number(readFileSync(join(p.logger, 'rsyslogd.pid'), 'utf8'));
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(p.logger)) process.kill(pid, 'SIGTERM');
  } catch { /* not running */ }
}

/**
 * Copy the tree, run `launcher --inside DIR` under `unshare -n` (its output passed through), then
 * remove everything. Ctrl-C reaches the inside too (same process group), which cleans up its
 * processes; this side waits for it and removes the temp dir.
 */
export async function runDemo(master: string, launcher: string, say: (l: string) => void, firewall: DemoFirewall = 'iptables'): Promise<number> {
  checkDemoNeeds(firewall);
  const p = makeDemoInstallation(master, firewall);
  let interrupted = false;
  const onSignal = (): void => { interrupted = true; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  say(`Watcher demo in ${p.base}: a copy of this installation, a private network namespace and a private rsyslogd;`);
  say(`the host's firewall, /etc, /var/log and /run are not touched. Firewall backend: ${firewall} (FIREWALL=${firewall}).`);
  say('');
  try {
    const inside = spawnChannel('unshare', ['--net', '--', process.execPath, launcher, '--inside', p.base, '--firewall', firewall]);
    inside.stdin.end();
    inside.stdout.pipe(process.stdout);
    inside.stderr.pipe(process.stderr);
    const r = await inside;
    return interrupted ? EX_INTERRUPTED : r.exitCode ?? EX_INTERRUPTED;
  } finally {
    await stopLeftovers(p);
    rmSync(p.base, { recursive: true, force: true });
    say(`== removed ${p.base}; the demo's network namespace is gone with its processes`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
