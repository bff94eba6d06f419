// StatMX: statistics of WatchMX and WatchMB as one CSV, mailed to REPORTMAIL (the Stat link).
import { WatchMX } from './module.js';
import { runStatProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runStatProgram(WatchMX, argv);
