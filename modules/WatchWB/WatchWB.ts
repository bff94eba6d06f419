// WatchWB: the web access watcher, fed by the system logger (local2: apache through logger, nginx through syslog) through $FIFO_BASE/WatchWB.
import { WatchWB } from './module.js';
import { runWatchProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runWatchProgram(WatchWB, argv);
