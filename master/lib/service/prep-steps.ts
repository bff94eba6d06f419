// Prep: make a system ready for Watcher; every step checks first, so running it twice is harmless.
import { accessSync, constants, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram, run } from '../core/runner.js';
import { WatcherError, EX_UNAVAILABLE } from '../core/exit.js';
import { makeDir as createDir, replaceFileMode } from '../core/files.js';

/** The programs Watcher runs and the Debian package of each (flock holds the master's lock; setpriv ties nft's load to FillFW). */
export function neededPrograms(firewall: string): Record<string, string> {
  return firewall === 'nftables' ? { nft: 'nftables', flock: 'util-linux', setpriv: 'util-linux' } : { ipset: 'ipset', iptables: 'iptables', ip6tables: 'iptables', flock: 'util-linux' };
}

// Found the way the runner will find it: on PATH or in the system directories.
const onPath = (p: string): boolean => findProgram(p) !== undefined;

/**
 * Check the programs; with `install`, apt-get the missing ones (after `apt-get update`: a fresh
 * system has no package lists). Throws EX_UNAVAILABLE naming what is missing.
 */
export async function checkPrograms(needed: Record<string, string>, install: boolean, say: (l: string) => void): Promise<void> {
  let missing = Object.keys(needed).filter((p) => !onPath(p));
  if (missing.length && install) {
    const pkgs = [...new Set(missing.map((p) => needed[p]))];
    say(`Installing ${pkgs.join(' ')} ...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-q'], { env, timeout: 900_000 });
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, timeout: 900_000 });
    missing = missing.filter((p) => !onPath(p));
  }
  if (missing.length) {
    const list = missing.map((p) => `${p} (Debian package ${needed[p]})`).join(', ');
    throw new WatcherError(`missing: ${list}${install ? '' : '; run master/Prep --install'}`, EX_UNAVAILABLE);
  }
  say(`Programs: ${Object.keys(needed).join(' ')} found`);
}

/** Create a directory with a mode if it is missing. */
export function makeDir(path: string, mode: number, say: (l: string) => void): void {
  if (existsSync(path)) return;
  createDir(path, mode);
  say(`Created ${path}`);
}

/** Write a file when its content differs; says what it did. */
export function writeIfChanged(path: string, text: string, mode: number, say: (l: string) => void): void {
  let old: string | undefined;
  try { old = readFileSync(path, 'utf8'); } catch { /* new */ }
  if (old === text) return;
  // Whole or not at all: a full disk leaves the old file, not half a new one.
  replaceFileMode(path, text, mode);
  say(`${old === undefined ? 'Installed' : 'Updated'} ${path}`);
}

/** The SysV init script: `service watcher start|stop|restart|reload|full|status`. */
export function initScript(master: string, node: string): string {
  const w = `${node} ${master}/master/watcher`;
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          watcher
# Required-Start:    $network $remote_fs $syslog
# Required-Stop:     $network $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Watcher: firewall load and intrusion prevention modules
### END INIT INFO
# Installed by ${master}/master/Prep
case "$1" in
  start)
    echo "Starting service watcher:"
    ${w} start && echo "[OK]"
    ;;
  stop|restart|reload|full|status|check)
    exec ${w} "$1"
    ;;
  force-reload)
    exec ${w} reload
    ;;
  *)
    echo "Usage: $0 {start|stop|restart|reload|full|status|check}" >&2
    exit 2
    ;;
esac
`;
}

/** The systemd unit: a one-shot start whose modules stay; stop and reload call the master. */
export function systemdUnit(master: string, node: string): string {
  const w = `${node} ${master}/master/watcher`;
  return `# Installed by ${master}/master/Prep
[Unit]
Description=Watcher: firewall load and intrusion prevention modules
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${w} start
ExecStop=${w} stop
ExecReload=${w} reload
TimeoutStartSec=15min

[Install]
WantedBy=multi-user.target
`;
}

/** The tools linked into TOOLPATH: the programs of bin/ and every module's <XX>injector. */
export function listTools(master: string): string[] {
  const out: string[] = [];
  const exe = (p: string): boolean => { try { accessSync(p, constants.X_OK); return !lstatSync(p).isDirectory(); } catch { return false; } };
  const bin = join(master, 'bin');
  if (existsSync(bin)) for (const f of readdirSync(bin).sort()) if (!f.includes('.') && exe(join(bin, f))) out.push(join(bin, f));
  const mods = join(master, 'modules');
  if (existsSync(mods)) {
    for (const m of readdirSync(mods).sort()) {
      const dir = join(mods, m);
      if (!lstatSync(dir).isDirectory()) continue;
      for (const f of readdirSync(dir).sort()) if (/injector$/.test(f) && exe(join(dir, f))) out.push(join(dir, f));
    }
  }
  return out;
}

/** Link a tool into TOOLPATH; a link to another installation is replaced, a real file is left alone. */
export function linkTool(tool: string, toolPath: string, say: (l: string) => void, warn: (l: string) => void): void {
  const link = join(toolPath, tool.split('/').pop() as string);
  let st;
  try { st = lstatSync(link); } catch { /* none */ }
  if (st && !st.isSymbolicLink()) { warn(`${link} exists and is not a link: left alone`); return; }
  if (st && readlinkSync(link) === tool) return;
  if (st) unlinkSync(link);
  symlinkSync(tool, link);
  say(`Linked ${link} -> ${tool}`);
}
