// MXinjector ADDR [penalty]: one affair for ADDR by hand, as if a WatchMX rule had matched.
import { WatchMX } from './module.js';
import { runInjectorProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runInjectorProgram(WatchMX, argv);
