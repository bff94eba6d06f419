// LoadWB: WatchWB's DROP rows as Loadfiles/Loadfile-WatchWB (the Load link).
import { WatchWB } from './module.js';
import { runLoadProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runLoadProgram(WatchWB, argv);
