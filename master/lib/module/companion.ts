// A companion module that another starts beside it and stops with it (WatchMX runs WatchMB).
//
// Invariants:
// - At most one companion process: one that already runs (its pid file names a live process
//   of that name) is adopted, not started twice.
// - While the owner runs, a companion that ends is started again, at most once per
//   RESTART_MS, and the log says so each time.
// - stop() sends SIGTERM, waits up to STOP_GRACE seconds, then SIGKILL; after stop() nothing restarts.
import { isAlive } from '../core/lock.js';
import { runningPid, startModule } from './processes.js';
import type { Sink } from './inject.js';
import type { WatcherSettings } from '../../../common.conf.js';

const RESTART_MS = 5000;

export interface CompanionOptions { master: string; conf: WatcherSettings; env: NodeJS.ProcessEnv; log: Sink }

export class Companion {
  private pid?: number;
  private lastStart = -Infinity;
  private stopped = false;

  constructor(readonly name: string, private readonly o: CompanionOptions) {}

  /** The companion's pid while it runs. */
  get running(): number | undefined { return this.pid !== undefined && isAlive(this.pid) ? this.pid : undefined; }

  /** Adopt the running companion or start it; called again (each tick) it restarts one that ended. */
  ensure(): void {
    if (this.stopped || this.running !== undefined) return;
    const other = runningPid(this.o.conf.RUN_DIR, this.name);
    if (other !== undefined) {
      if (other !== this.pid) this.o.log.write(`companion ${this.name} runs as pid ${other}: adopted`);
      this.pid = other;
      return;
    }
    const now = Date.now();
    if (now - this.lastStart < RESTART_MS) return;
    const again = this.pid !== undefined;
    this.lastStart = now;
    try {
      this.pid = startModule(this.o.master, this.name, this.o.conf, this.o.env);
      this.o.log.write(`companion ${this.name} ${again ? 'ended; started again' : 'started'} as pid ${this.pid}`);
    } catch (e) {
      this.o.log.write(`companion ${this.name} cannot start: ${(e as Error).message}`);
    }
  }

  /** Stop the companion (SIGTERM, SIGKILL after the grace time); resolves when it is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    const pid = this.running ?? runningPid(this.o.conf.RUN_DIR, this.name);
    if (pid === undefined) return;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const grace = this.o.conf.STOP_GRACE * 1000;
    const deadline = Date.now() + grace;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pid)) {
      this.o.log.write(`companion ${this.name} did not end within ${grace / 1000} s: killed`);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    } else this.o.log.write(`companion ${this.name} (pid ${pid}) stopped`);
  }
}
