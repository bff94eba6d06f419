// WatchLG, the login watcher (token LG): sshd's failed logins from the authpriv facility.
import type { ModuleDef } from '../../master/lib/module/def.js';

export const WatchLG: ModuleDef = { name: 'WatchLG', token: 'LG' };
