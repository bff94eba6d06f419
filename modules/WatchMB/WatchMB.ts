// WatchMB: the mailbox and SASL watcher, fed by WatchMX (passon) through $FIFO_BASE/WatchMB; WatchMX starts it.
import { WatchMB } from './module.js';
import { runWatchProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runWatchProgram(WatchMB, argv);
