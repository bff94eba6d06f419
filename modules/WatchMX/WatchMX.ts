// WatchMX: the mail transport watcher, fed by the system logger (mail.*) through $FIFO_BASE/WatchMX; it runs WatchMB.
import { WatchMX } from './module.js';
import { runWatchProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runWatchProgram(WatchMX, argv);
