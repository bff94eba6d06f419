// LGinjector ADDR [penalty]: one affair for ADDR by hand, as if a WatchLG rule had matched.
import { WatchLG } from './module.js';
import { runInjectorProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runInjectorProgram(WatchLG, argv);
