// nixspam: the dynloader (dynload/nixspam/nixspam, Load -> nixspam); see master/lib/dynload/providers.ts.
import { NIXSPAM } from '../../master/lib/dynload/providers.js';
import { runDynloadProgram } from '../../master/lib/dynload/program.js';

export const main = (argv: string[]): Promise<number> => runDynloadProgram(NIXSPAM, argv);
