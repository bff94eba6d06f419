// What a dynloader is made of: its keys and the parts (one download each) it fetches.
import type { KeyTable } from '../core/settings.js';
import type { Family } from '../net/address.js';
import type { Format, FormatOptions, ParsedList } from './formats.js';
import type { DynloadConf } from './conf.js';

/** One download: where, how to read it, and the set (and Loadfile) its entries go to. */
export interface Part {
  /** Names the part in the state and the cache (`v4`, `cn-v6`): letters, digits, '.', '_', '-'. */
  id: string;
  url: string;
  /** A provider format, or an extract function of one's own (the Template's). */
  format: Format | ((body: Buffer) => ParsedList);
  formatOptions?: FormatOptions;
  /** Entries of another family are left out (Spamhaus's v4 file holds only IPv4). */
  family?: Family;
  set: string;
  /** The Loadfile the part feeds: Loadfiles/Loadfile-<loadfile>. */
  loadfile: string;
  /** A comment for every entry that has none of its own. */
  comment?: string;
}

export interface DynloaderDef<E extends KeyTable> {
  /** Who publishes the lists, for messages (Spamhaus, NiXSpam, ipdeny). */
  provider: string;
  describe: string;
  keys: E;
  /** The downloads, from the settings; a value it cannot use throws KeyValueError. */
  parts(conf: DynloadConf<E>, name: string): Part[];
  /** Loadfiles of an earlier run that this dynloader may remove when it no longer writes them. */
  owns(loadfile: string, name: string): boolean;
}

/** A value the settings' types cannot refuse but the dynloader can (a zone, a set name): exit 78 with file:line. */
export class KeyValueError extends Error {
  constructor(readonly key: string, readonly value: string, readonly reason: string) { super(`${key}=${JSON.stringify(value)}: ${reason}`); this.name = 'KeyValueError'; }
}
