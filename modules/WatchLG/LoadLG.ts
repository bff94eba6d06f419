// LoadLG: WatchLG's DROP rows as Loadfiles/Loadfile-WatchLG (the Load link).
import { WatchLG } from './module.js';
import { runLoadProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runLoadProgram(WatchLG, argv);
