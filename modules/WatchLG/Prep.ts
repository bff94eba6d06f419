// Prep: WatchLG's database from Schema, LGinjector linked into TOOLPATH.
import { WatchLG } from './module.js';
import { runPrepProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runPrepProgram(WatchLG, argv);
