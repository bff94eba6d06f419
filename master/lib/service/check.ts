// watcher check: the supervision without systemd, run from crontab every minute. Every enabled
// module that is down is started again, with the reason in the module's log and on stdout;
// a module that keeps dying is given up after RESTART_BURST restarts within RESTART_WINDOW_S.
// Silent when nothing is down; nothing is started while the service is stopped.
import { LineWriter } from '../core/log.js';
import { takeLock } from '../core/lock.js';
import { runningPid } from '../module/processes.js';
import { isStarted, takeRestart, RESTART_BURST, RESTART_WINDOW_S } from '../module/supervise.js';
import { whyDown } from '../module/started.js';
import { enabledModules } from './enabled.js';
import { chooseLauncher, launchModule, logFileOf } from './launch.js';
import type { Service } from './service.js';

/** How long a check waits for a start, stop or reload holding the lock: less than cron's minute. */
const LOCK_WAIT_MS = 50_000;

/** check: start every enabled module that is down. Exit 0 when all run afterwards, 3 when one stays down. */
export async function checkService(s: Service): Promise<number> {
  const { enabled } = await enabledModules(s.master, s.conf, s.env);
  const runDir = s.conf.RUN_DIR;
  if (!isStarted(runDir)) return 0;
  const release = await takeLock(runDir, { waitMs: LOCK_WAIT_MS });
  try {
    if (!isStarted(runDir)) return 0; // a stop came first
    const how = chooseLauncher(s);
    let down = 0;
    for (const name of enabled) {
      if (runningPid(runDir, name) !== undefined) continue;
      const turn = takeRestart(runDir, name);
      if (turn.kind === 'given-up') { down++; continue; }
      const logFile = logFileOf(s, name);
      const say = (line: string, fail: boolean): void => {
        const log = new LineWriter(logFile, 'watcher');
        log.write(line);
        log.close();
        if (fail) s.warn(line); else s.out(line);
      };
      const why = whyDown(runDir, name, logFile);
      const window = `within ${RESTART_WINDOW_S / 60} min`;
      if (turn.kind === 'give-up') {
        say(`${name} is down (${why}); ${turn.n} restarts ${window}: given up until the next watcher start`, true);
        down++;
        continue;
      }
      const r = await launchModule(s, name, how);
      const count = `restart ${turn.n} of ${RESTART_BURST} ${window}`;
      if (r.ok) say(`${name} was down (${why}): started again as pid ${r.pid} (${count})`, false);
      else { say(`${name} was down (${why}): started again, but ${r.why} (${count})`, true); down++; }
    }
    return down ? 3 : 0;
  } finally { release(); }
}
