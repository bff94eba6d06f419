// WatchWB, the web access watcher (token WB): apache (through logger) and nginx (through syslog)
// on facility local2; each line ends with its instance tag `[Instance: vhost:port]@type`, the
// register (modules/WatchWB/instances, see WBinstance) gives the instance's type, whose rules
// (rules/<type>/) join the common ones.
import type { ModuleDef } from '../../master/lib/module/def.js';
import { openWebView } from '../../master/lib/web/view.js';

export const WatchWB: ModuleDef = { name: 'WatchWB', token: 'WB', view: openWebView, instanceStatistics: true };
