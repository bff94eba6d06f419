// The scanner loop of a module: each line through superflous_map and the rope ladder, then
// the rule's action (inject, passon, return) or the UNTREATED catch-all.
import { decideLine, type RuleSet } from '../rules/ruleset.js';
import { ladderOf } from '../rules/view.js';
import { parseHeader, findSessionTag } from '../rules/header.js';
import { countTries } from '../rules/tries.js';
import { carryPeer, SessionPeers, type Carried } from '../rules/carry.js';
import type { Decision } from '../rules/ladder.js';
import type { Rule } from '../rules/parse.js';
import type { Peer } from '../rules/maps.js';
import { Sessions } from './sessions.js';
import { CommitPace } from './pace.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Injector } from './inject.js';
import { instanceCounts, type Counters, type InstanceCounts } from '../core/status.js';
import type { LineView } from './def.js';
import type { Sink } from './inject.js';

export interface ScannerDeps {
  injector: Injector;
  /** The companion's FIFO for passon (WatchMX -> WatchMB). */
  passon?: { name: string; writer: { write(line: string): boolean } };
  counters: Counters;
  trace: Sink;
  /** Where an error of the delayed flush is reported. */
  log?: Sink;
  clock?: Clock;
  /** How long a session line waits for a try of its session (SESSION_WAIT), in ms. */
  sessionWaitMs?: number;
  /** The module's reading of a line before the ladder (WatchWB: instance and type). */
  view?: LineView;
}

/** Affairs that are written at the latest in one transaction while input keeps coming. */
const FLUSH_AT = 5000;
/** Milliseconds queued affairs wait for more input while it keeps coming (a burst may space commits more: pace.ts). */
const FLUSH_DELAY = 2;

/**
 * How long a session's peer named by its open line is remembered (ms): sshd's LoginGraceTime
 * (120 s by default) and a margin. The lines that name no peer come before authentication; a
 * shorter memory leaves a reused pid less time to inherit a peer whose close line was lost.
 */
const PEER_MS = 180_000;

/** An affair whose line named no peer, waiting for a line of its session that names one. */
interface Waiting { rule: Rule; t0: number; instance?: string; tries: number }

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The seeds' loop rate: `0 d, 00:54:04.954`. */
export function formatLoopRate(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const d = Math.floor(t / 86_400_000);
  const h = Math.floor(t / 3_600_000) % 24;
  const m = Math.floor(t / 60_000) % 60;
  const s = Math.floor(t / 1000) % 60;
  return `${d} d, ${pad(h)}:${pad(m)}:${pad(s)}.${pad(t % 1000, 3)}`;
}

export class Scanner {
  private loop = 0;
  private last = -1;
  private timer?: NodeJS.Timeout;
  private readonly clock: Clock;
  private readonly sessions: Sessions;
  private readonly pace: CommitPace;
  private readonly peers: SessionPeers<Waiting>;

  constructor(private rules: RuleSet, private readonly d: ScannerDeps) {
    this.clock = d.clock ?? systemClock;
    this.pace = new CommitPace(this.clock);
    this.sessions = new Sessions((r) => d.injector.submit(r), this.clock, d.sessionWaitMs ?? 10_000);
    this.peers = new SessionPeers<Waiting>(d.sessionWaitMs ?? 10_000, PEER_MS, () => this.clock.mono());
  }

  /** Swap in a new rule set (SIGHUP); lines already read keep the old one. */
  setRules(rules: RuleSet): void { this.rules = rules; }

  /**
   * Scan the lines of one read chunk. Its affairs are written (one transaction) now when the
   * reader has caught up (`caughtUp`) and no burst asks to group commits (pace.ts), or later
   * with the next chunks while more input is waiting, so a burst costs few commits and a
   * single line is not delayed.
   */
  scan(lines: string[], caughtUp = true): void {
    const { counters, trace, injector } = this.d;
    const rules = this.rules;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const t0 = this.clock.mono();
      counters.lines++;
      this.loop++;
      if (trace.on) {
        if (this.last >= 0) trace.write(`« Loop rate: ${formatLoopRate(t0 - this.last)} »`);
        trace.write(`[Loop: ${this.loop}] '${line}'`);
      }
      this.last = t0;
      // The line in the classic shape (an RFC 5424 or Solaris header reshaped), as the rules see it.
      const { line: headed, at, repeats } = parseHeader(line);
      if (at === 0) {
        counters.unparsed++;
        if (trace.on) trace.write(`[header] no syslog header: the whole line is taken as the message`);
      }
      const reading = this.d.view?.read(headed, at);
      const set = ladderOf(rules, reading);
      let inst: InstanceCounts | undefined;
      if (reading?.instance !== undefined) {
        inst = instanceCounts(counters, reading.instance, reading.type);
        inst.lines++;
        if (trace.on) trace.write(`[instance] ${reading.instance}@${reading.type ?? '-'}${set === rules && reading.type !== undefined && rules.types ? ' (common rules)' : ''}`);
      }
      const rule = decideLine(set, headed, at);
      let looked = false;
      let found: Peer;
      const find = (): Peer => {
        if (!looked) { looked = true; const f = set.findPeer(headed, at); found = reading?.peer ? reading.peer(f) : f; }
        return found;
      };
      const carried = rule !== 'skip' && rule?.action === 'inject' || this.peers.busy
        ? this.carry(rule, headed, find, () => ({ rule: rule as Rule, t0, instance: reading?.instance, tries: countTries(rule as Rule, headed, at, repeats) }), set.carries)
        : undefined;
      if (rule === 'skip') { counters.skipped++; if (inst) inst.skipped++; continue; }
      if (rule === undefined) {
        counters.untreated++;
        if (inst) inst.untreated++;
        if (trace.on) trace.write(`[UNTREATED] '${line}'`);
        continue;
      }
      counters.matched[rule.name] = (counters.matched[rule.name] ?? 0) + 1;
      if (inst) inst.matched++;
      if (rule.action === 'inject') {
        if (trace.on) trace.write(`[inject] Triggered by rule ['${rule.name}'] '${rule.pattern}'`);
        const c = carried!;
        if (c.opens !== undefined) {
          if (trace.on) trace.write(`[inject] ${c.tag}: ${c.opens} is the peer of this session (counted nothing; its lines that name none count for it)`);
          continue;
        }
        const address = c.peer;
        if (address === undefined) {
          counters.noaddress++;
          if (trace.on) trace.write(c.waits
            ? `[inject] no peer address in the line: the affair waits for a line of ${c.tag} that names it`
            : `[inject] no peer address in the line: nothing counted`);
          continue;
        }
        if (typeof address !== 'string') {
          counters.ambiguous++;
          if (trace.on) trace.write(`[inject] ambiguous peer (${address.ambiguous.join(', ')} each fit where the service writes it): nothing counted`);
          continue;
        }
        if (c.remembered) {
          counters.carried++;
          if (trace.on) trace.write(`[inject] no peer address in the line: ${address}, the peer ${c.tag} named`);
        }
        this.count(`${c.tag ?? findSessionTag(headed)} ${address}`, address, { rule, t0, instance: reading?.instance, tries: countTries(rule, headed, at, repeats) });
      } else if (rule.action === 'passon') {
        const p = this.d.passon;
        const ok = p ? p.writer.write(line) : false;
        if (ok) counters.passedon++;
        else counters.passonLost++;
        if (trace.on) {
          const ms = Math.round(this.clock.mono() - t0);
          trace.write(ok ? `[passon] Passed to ${p!.name} ... ${ms}/${ms} ms` : `[passon] ${p ? `${p.name} cannot take it` : 'no companion module'}: line lost (counted as passonLost)`);
        }
      }
    }
    const wait = this.pace.wait();
    if (injector.queued >= FLUSH_AT || (caughtUp && wait === 0)) this.flushPaced();
    else this.timer ??= setTimeout(() => {
      try { this.flushPaced(); } catch (e) { this.d.log?.write(`error writing affairs: ${(e as Error).stack ?? e}`); }
    }, caughtUp ? wait : Math.max(wait, FLUSH_DELAY));
  }

  /** Count the held session affairs whose wait is over (call it often). */
  settle(): void {
    for (const w of this.peers.settle()) {
      this.d.counters.uncarried++;
      if (this.d.trace.on) this.d.trace.write(`[inject] ${w.rule.name}: its session named no peer within SESSION_WAIT: nothing counted`);
    }
    this.sessions.settle();
    this.d.counters.held = this.sessions.held;
    if (this.d.injector.queued) this.flush();
  }

  /** Count every held session affair and write them (the module stops). */
  endSessions(): void {
    this.sessions.flushAll();
    this.d.counters.held = 0;
    this.flush();
  }

  // The line through its session's peer (rules/carry.ts); the waiting affairs it completes are counted first.
  private carry(d: Decision, headed: string, find: () => Peer, item: () => Waiting, carries: boolean): Carried<Waiting> {
    const c = carryPeer(this.peers, d, headed, find, item, carries);
    const { counters, trace } = this.d;
    for (const w of c.completed ?? []) {
      counters.carried++;
      if (trace.on) trace.write(`[inject] ${w.rule.name}: ${c.named}, the peer ${c.tag} names on this line`);
      this.count(`${c.tag} ${c.named}`, c.named!, w);
    }
    for (const w of c.dropped ?? []) {
      counters.uncarried++;
      if (trace.on) trace.write(`[inject] ${w.rule.name}: no peer for it (${c.why}): nothing counted`);
    }
    return c;
  }

  // One affair of a rule's line for the session `key` (its tries each one more).
  private count(key: string, address: string, w: Waiting): void {
    const { counters, trace } = this.d;
    const request = { address, rule: w.rule.name, penalty: w.rule.penalty, t0: w.t0, instance: w.instance };
    const how = this.sessions.add(key, w.rule.affair, request);
    for (let n = w.tries; n > 1; n--) this.sessions.add(key, 'try', { ...request });
    if (trace.on && w.tries > 1) trace.write(`[inject] ${address}: the line reports ${w.tries} tries: ${w.tries} affairs`);
    if (how === 'included') counters.included++;
    counters.held = this.sessions.held;
    if (trace.on && how !== 'counted') trace.write(how === 'held'
      ? `[inject] ${address}: held until a try of its session is counted (then dropped) or the session ends (then counted)`
      : `[inject] ${address}: its session already counted: nothing added`);
  }

  /** Write the queued affairs now. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.d.injector.flush();
  }

  // Write what the lines read queued; its size and duration pace the next commit (session
  // affairs settled by the clock are no burst of input and pace nothing).
  private flushPaced(): void {
    const n = this.d.injector.queued;
    const t0 = this.clock.mono();
    this.flush();
    this.pace.done(n, t0);
  }
}
