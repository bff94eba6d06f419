// list: the dynloader (dynload/list/list, Load -> list); see master/lib/dynload/providers.ts.
import { LIST } from '../../master/lib/dynload/providers.js';
import { runDynloadProgram } from '../../master/lib/dynload/program.js';

export const main = (argv: string[]): Promise<number> => runDynloadProgram(LIST, argv);
