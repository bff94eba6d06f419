// geo: the dynloader (dynload/geo/geo, Load -> geo); see master/lib/dynload/providers.ts.
import { GEO } from '../../master/lib/dynload/providers.js';
import { runDynloadProgram } from '../../master/lib/dynload/program.js';

export const main = (argv: string[]): Promise<number> => runDynloadProgram(GEO, argv);
