// Prep: WatchWB's database from Schema, WBinjector linked into TOOLPATH.
import { WatchWB } from './module.js';
import { runPrepProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runPrepProgram(WatchWB, argv);
