// ExpireWB [days]: expire old addresses from WatchWB's database and the firewall (the Expire link).
import { WatchWB } from './module.js';
import { runExpireProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runExpireProgram(WatchWB, argv);
