// Prep: WatchMX's database (shared with WatchMB) from Schema.
import { WatchMX } from './module.js';
import { runPrepProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runPrepProgram(WatchMX, argv);
