// spamhaus: the dynloader (dynload/spamhaus/spamhaus, Load -> spamhaus); see master/lib/dynload/providers.ts.
import { SPAMHAUS } from '../../master/lib/dynload/providers.js';
import { runDynloadProgram } from '../../master/lib/dynload/program.js';

export const main = (argv: string[]): Promise<number> => runDynloadProgram(SPAMHAUS, argv);
