// A session's peer carried to its lines that name none. sshd writes some lines of a session
// without the peer (`kex_exchange_identification: Connection closed by remote host`, `fatal:
// Unable to negotiate a key exchange method`, `Disconnecting: Too many authentication
// failures`); another line of the same `program[pid]` names it, before (`Connection from ADDR
// port N on ...` at LogLevel VERBOSE, an `Affair=open` rule: counted nothing, remembered) or
// after (`Connection closed by ADDR port N`). The module's scanner and rules/Test walk each
// line through carryPeer, so both count the same affair for the same address.
//
// Invariants:
// - Only peer_map's peer of a line of the same session tag is carried; a line whose peer is
//   ambiguous carries none and ends the waiting affairs of its session (counted nothing), and
//   so does an open line (a new session on the pid: what waited was an earlier session's).
// - A line of a session naming another peer than the remembered one makes it forgotten; a close
//   line (Affair=close, whatever its action) forgets it, so a reused pid never inherits it.
// - Remembered peers: at most MAX_PEERS (two generations; the older is dropped whole) and for
//   at most peerMs. Waiting affairs: at most MAX_WAITING, PER_SESSION a session, for waitMs.
import { findSessionTag } from './header.js';
import type { Decision } from './ladder.js';
import type { Peer } from './maps.js';

/** Remembered session peers at most (two generations of half). */
export const MAX_PEERS = 50_000;
/** Affairs waiting for their session's peer at most. */
export const MAX_WAITING = 10_000;
/** Affairs of one session that wait at most. */
export const PER_SESSION = 8;

interface Known { address: string; until: number }
interface Waiting<T> { items: T[]; until: number }

/** What carryPeer says about one line. */
export interface Carried<T> {
  /** An inject line's peer: named by the line, or its session's remembered one (`remembered`). */
  peer: Peer;
  remembered?: boolean;
  /** The line's affair waits for its session's peer. */
  waits?: boolean;
  /** An open line: the peer it remembers for its session (counted nothing). */
  opens?: string;
  /** The session's waiting affairs this line's peer (`named`) completes: count them now. */
  completed?: T[];
  named?: string;
  /** Affairs that count nothing: the line's peer is ambiguous, or too many wait. */
  dropped?: T[];
  /** Why `dropped` count nothing. */
  why?: string;
  /** The line's session tag, where it was read. */
  tag?: string;
}

/** The peers of sessions and the affairs that wait for theirs; `now` in ms (rules/Test: no time limit). */
export class SessionPeers<T> {
  private current = new Map<string, Known>();
  private older = new Map<string, Known>();
  private readonly waiting = new Map<string, Waiting<T>>();
  private waitingCount = 0;
  private expired: T[] = [];

  constructor(private readonly waitMs = Infinity, private readonly peerMs = Infinity, private readonly now: () => number = () => 0) {}

  /** Whether any session is remembered or waits (else a line needs no tag). */
  get busy(): boolean { return this.waitingCount > 0 || this.current.size > 0 || this.older.size > 0; }

  /** Affairs waiting now. */
  get waitingAffairs(): number { return this.waitingCount; }

  /** The session's remembered peer while fresh. */
  peerOf(tag: string): string | undefined {
    const k = this.current.get(tag) ?? this.older.get(tag);
    return k !== undefined && k.until > this.now() ? k.address : undefined;
  }

  /** Remember the peer of a session (an open line). */
  remember(tag: string, address: string): void {
    this.older.delete(tag);
    this.current.set(tag, { address, until: this.now() + this.peerMs });
    if (this.current.size >= MAX_PEERS / 2) { this.older = this.current; this.current = new Map(); }
  }

  /** Forget a session's peer (it ended, or a line named another). */
  forget(tag: string): void {
    this.current.delete(tag);
    this.older.delete(tag);
  }

  /** Whether affairs of the session wait. */
  waits(tag: string): boolean { return this.waitingCount > 0 && this.waiting.has(tag); }

  /** Let an affair wait for its session's peer; false when too many wait (it counts nothing). */
  wait(tag: string, item: T): boolean {
    let w = this.waiting.get(tag);
    if (this.waitingCount >= MAX_WAITING || (w !== undefined && w.items.length >= PER_SESSION)) return false;
    if (w === undefined) this.waiting.set(tag, w = { items: [], until: this.now() + this.waitMs });
    w.items.push(item);
    this.waitingCount++;
    return true;
  }

  /** The session's waiting affairs, taken out (those whose wait is over go to `settle`). */
  take(tag: string): T[] {
    const w = this.waiting.get(tag);
    if (w === undefined) return [];
    this.waiting.delete(tag);
    this.waitingCount -= w.items.length;
    if (w.until > this.now()) return w.items;
    this.expired.push(...w.items);
    return [];
  }

  /** The affairs whose wait is over, their session having named no peer: they count nothing. */
  settle(): T[] {
    const now = this.now();
    for (const [tag, w] of this.waiting) {
      if (w.until > now) continue;
      this.waiting.delete(tag);
      this.waitingCount -= w.items.length;
      this.expired.push(...w.items);
    }
    const out = this.expired;
    this.expired = [];
    return out;
  }
}

const PLAIN: Carried<never> = Object.freeze({ peer: undefined });

/**
 * One line through its session's peer: an inject line that names no peer takes its session's
 * remembered one, or waits for the next line of its session that names one (whatever decides
 * that line: a return, a strict rule's twin, superflous_map, none); an open line remembers its
 * peer; any line naming a peer completes its session's waiting affairs. `find` is the line's
 * peer (peer_map), called at most once and only where needed; `item` what a waiting affair keeps.
 * Only a ladder with an open rule (`carries`: its service runs one process per session, as
 * sshd) carries: Postfix's smtpd serves one client after another in one process, so a line of
 * its that names no peer must not wait for the next client's.
 */
export function carryPeer<T>(peers: SessionPeers<T>, d: Decision, line: string, find: () => Peer, item: () => T, carries = true): Carried<T> {
  const rule = d === 'skip' ? undefined : d;
  const inject = rule?.action === 'inject';
  if (!carries) return inject ? { peer: find() } : PLAIN;
  const open = inject && rule!.affair === 'open';
  let peer: Peer = inject ? find() : undefined;
  if (!open && !peers.busy && (!inject || typeof peer === 'string')) return inject ? { peer } : PLAIN;
  const tag = findSessionTag(line);
  if (tag === '') return inject && !open ? { peer } : PLAIN;
  const out: Carried<T> = { peer: open ? undefined : peer, tag };
  if (open) {
    // A session starts here: what waits on its pid was of an earlier one, which named no peer.
    if (peers.waits(tag)) { out.dropped = peers.take(tag); out.why = `a new session of ${tag} opened before its peer was named`; }
    if (typeof peer === 'string') { peers.remember(tag, peer); out.opens = peer; }
    else peers.forget(tag);
    return out;
  }
  if (inject && peer === undefined) {
    const known = peers.peerOf(tag);
    if (known !== undefined) { out.peer = known; out.remembered = true; }
    else if (peers.wait(tag, item())) out.waits = true;
    else { out.dropped = [item()]; out.why = 'too many affairs wait for their session\'s peer'; }
  } else if (!inject && peers.waits(tag)) {
    peer = find();
  }
  if (typeof peer === 'string') {
    const known = peers.peerOf(tag);
    if (known !== undefined && known !== peer) peers.forget(tag);
    if (peers.waits(tag)) { out.completed = peers.take(tag); out.named = peer; }
  } else if (peer !== undefined && peers.waits(tag)) {
    out.dropped = peers.take(tag);
    out.why = `${tag}'s peer is ambiguous: ${peer.ambiguous.join(', ')}`;
  }
  if (rule?.affair === 'close') peers.forget(tag);
  return out;
}
