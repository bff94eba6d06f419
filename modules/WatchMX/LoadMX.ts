// LoadMX: WatchMX's DROP rows as Loadfiles/Loadfile-WatchMX (the Load link).
import { WatchMX } from './module.js';
import { runLoadProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runLoadProgram(WatchMX, argv);
