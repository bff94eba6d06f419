// WatchMX, the mail transport watcher (token MX): the mail.* facility; authentication
// failures go on to its companion WatchMB, which it starts and stops and which shares its database.
import type { ModuleDef } from '../../master/lib/module/def.js';

export const WatchMX: ModuleDef = { name: 'WatchMX', token: 'MX', passonTo: 'WatchMB', companion: 'WatchMB' };
