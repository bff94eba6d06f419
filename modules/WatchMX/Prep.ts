// Prep: WatchMX's database from Schema, MXinjector linked into TOOLPATH.
import { WatchMX } from './module.js';
import { runPrepProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runPrepProgram(WatchMX, argv);
