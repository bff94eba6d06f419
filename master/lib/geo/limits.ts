// Registry limits: at most WHOIS_RATE queries a minute to each server, and a pause after its
// refusal or a timeout (WHOIS_BACKOFF seconds, doubled on each one in a row, at most an hour).
//
// Invariant: slots of a server are handed out in order, one interval apart; a server in a pause
// longer than a few seconds gives no slot at all (the caller keeps the address for later)
// instead of holding a worker.

/** The server pauses: ask again after `until` (epoch ms). */
export class ServerPaused extends Error {
  constructor(readonly server: string, readonly until: number, readonly why: string) {
    super(`${server} pauses until ${new Date(until).toISOString()} (${why})`);
    this.name = 'ServerPaused';
  }
}

interface State { next: number; pauseMs: number; until: number; why: string }

const LONGEST_PAUSE_MS = 3_600_000;
/** A wait for a slot longer than this is not waited for. */
const LONGEST_WAIT_MS = 5_000;

export class ServerLimits {
  private readonly servers = new Map<string, State>();
  constructor(private perMinute: number, private backoffS: number, private readonly now: () => number = Date.now) {}

  /** New limits (after SIGHUP). */
  set(perMinute: number, backoffS: number): void { this.perMinute = perMinute; this.backoffS = backoffS; }

  private state(server: string): State {
    let s = this.servers.get(server);
    if (!s) this.servers.set(server, (s = { next: 0, pauseMs: 0, until: 0, why: '' }));
    return s;
  }

  /** Wait for the next slot of the server; throws ServerPaused when that is far off. */
  async take(server: string): Promise<void> {
    const s = this.state(server);
    const now = this.now();
    if (s.until > now + LONGEST_WAIT_MS) throw new ServerPaused(server, s.until, s.why);
    const at = Math.max(now, s.next, s.until);
    if (at - now > LONGEST_WAIT_MS) throw new ServerPaused(server, at, 'rate limit');
    s.next = at + 60_000 / this.perMinute;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /** The server refused or timed out: pause it, longer on each one in a row. */
  refused(server: string, why: string): number {
    const s = this.state(server);
    s.pauseMs = Math.min(LONGEST_PAUSE_MS, s.pauseMs ? s.pauseMs * 2 : this.backoffS * 1000);
    s.until = this.now() + s.pauseMs;
    s.why = why;
    return s.until;
  }

  /** The server answered: its pauses start small again. */
  answered(server: string): void { const s = this.state(server); s.pauseMs = 0; s.why = ''; }

  /** Servers in a pause now, with until when and why (for the status file). */
  paused(): { server: string; until: string; why: string }[] {
    const now = this.now();
    return [...this.servers].filter(([, s]) => s.until > now).map(([server, s]) => ({ server, until: new Date(s.until).toISOString(), why: s.why }));
  }
}
