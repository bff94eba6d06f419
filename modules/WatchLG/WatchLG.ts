// WatchLG: the login watcher, fed by the system logger through $FIFO_BASE/WatchLG.
import { WatchLG } from './module.js';
import { runWatchProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runWatchProgram(WatchLG, argv);
