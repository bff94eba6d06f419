// StatLG: statistics of WatchLG as CSV, mailed to REPORTMAIL (the Stat link).
import { WatchLG } from './module.js';
import { runStatProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runStatProgram(WatchLG, argv);
