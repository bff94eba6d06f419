// MODULES of watcher.conf: the modules the master starts and keeps running, each name checked.
import { existsSync, readFileSync } from 'node:fs';
import type { WatcherSettings } from '../../../common.conf.js';
import { watcherConfPath } from '../../../common.conf.js';
import { parseAssignments } from '../core/conf.js';
import { ConfError } from '../core/exit.js';
import { MODULE_TOKENS } from '../core/paths.js';
import { companionModules, installedModules, isSwitchedOff } from '../module/processes.js';

/** The modules of MODULES that are installed, in MODULES' order, less the companions their owners start. */
export interface EnabledModules { installed: string[]; companions: Set<string>; enabled: string[] }

/**
 * Read MODULES against the tree. A name that is neither installed nor one of Watcher's modules
 * (`WatchLg`) is a ConfError naming file, line, key and value: a typo must not leave a server
 * unwatched while `status` says all is well. A known module not installed here is skipped, and
 * so is one its own conf switches off (`ENABLED=` in GeoTrack.conf).
 */
export async function enabledModules(master: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): Promise<EnabledModules> {
  const installed = installedModules(master);
  const known = new Set([...installed, ...Object.values(MODULE_TOKENS)]);
  const unknown = conf.MODULES.filter((m) => !known.has(m));
  if (unknown.length) {
    const at = locateModules(master, conf, env);
    const hints = unknown.map((m) => {
      const like = [...known].find((k) => k.toLowerCase() === m.toLowerCase());
      return `'${m}'${like ? ` (did you mean ${like}?)` : ''}`;
    });
    throw new ConfError(at.file, at.line, 'MODULES', at.value, `unknown module ${hints.join(', ')}: installed are ${installed.join(' ') || 'none'}`);
  }
  const companions = await companionModules(master, installed);
  return { installed, companions, enabled: conf.MODULES.filter((m) => installed.includes(m) && !companions.has(m) && !isSwitchedOff(master, m, conf, env)) };
}

// Where MODULES was set: its last assignment in watcher.conf.
function locateModules(master: string, conf: WatcherSettings, env: NodeJS.ProcessEnv): { file: string; line: number; value: string } {
  const file = watcherConfPath(master);
  const value = conf.MODULES.join(' ');
  if (!existsSync(file)) return { file, line: 0, value };
  const known: Record<string, unknown> = { ...conf, MASTER_PATH: master };
  const lookup = (k: string): string | undefined => {
    const v = known[k];
    return Array.isArray(v) ? v.join(' ') : v !== undefined ? String(v) : env[k];
  };
  const a = parseAssignments(readFileSync(file, 'utf8'), file, lookup).filter((x) => x.key === 'MODULES').pop();
  return a ? { file, line: a.line, value: a.value } : { file, line: 0, value };
}
