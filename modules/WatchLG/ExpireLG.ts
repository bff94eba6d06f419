// ExpireLG [days]: expire old addresses from WatchLG's database and the firewall (the Expire link).
import { WatchLG } from './module.js';
import { runExpireProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runExpireProgram(WatchLG, argv);
