// A module's own reading of a line before the ladder: which type's ladder takes it, the instance
// it is counted under, and the peer where the module knows it better than peer_map (WatchWB).
import type { Peer } from './maps.js';
import type { RuleSet } from './ruleset.js';

/** What a module reads in a line before the ladder (WatchWB: the instance and its type). */
export interface LineReading {
  /** The ladder for the line: a type of the rules directory (a subdirectory); none or an unknown one: the common ladder. */
  type?: string;
  /** What the line's counts go under in the status and the database's modclass of a new address (WatchWB: vhost:port). */
  instance?: string;
  /** The peer, given what peer_map found (WatchWB: the client behind a trusted proxy). */
  peer?(found: Peer): Peer;
}

/** A module's own reading of its lines, made from its own files (WatchWB: the instance register). */
export interface LineView {
  read(line: string, at: number): LineReading;
  /** Read the module's own files again (SIGHUP): the problems as `file:line: ...` (the old reading stays then). */
  reload(): string[];
}

/** The ladder a reading asks for: its type's, else the common one. */
export function ladderOf(set: RuleSet, reading: LineReading | undefined): RuleSet {
  return reading?.type !== undefined ? set.types?.get(reading.type) ?? set : set;
}
