// WatchMB, the mailbox and SASL watcher (token MB): the lines WatchMX passes on, counted in
// WatchMX's database with origin WatchMB and the class Breaker.
import type { ModuleDef } from '../../master/lib/module/def.js';

export const WatchMB: ModuleDef = { name: 'WatchMB', token: 'MB', database: 'WatchMX', modClass: { label: 'MB-Class', value: 'Breaker' } };
