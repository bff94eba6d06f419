// WBinjector ADDR [penalty]: one affair for ADDR by hand, as if a WatchWB rule had matched.
import { WatchWB } from './module.js';
import { runInjectorProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runInjectorProgram(WatchWB, argv);
