// StatWB: statistics of WatchWB as CSV, mailed to REPORTMAIL (the Stat link).
import { WatchWB } from './module.js';
import { runStatProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runStatProgram(WatchWB, argv);
