// ExpireMX [days]: expire old addresses (of WatchMX and WatchMB) from WatchMX's database and the firewall (the Expire link).
import { WatchMX } from './module.js';
import { runExpireProgram } from '../../master/lib/module/programs.js';

export const main = (argv: string[]): Promise<number> => runExpireProgram(WatchMX, argv);
