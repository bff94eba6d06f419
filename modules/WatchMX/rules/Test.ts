// rules/Test [--json] [FILE]: WatchMX's fail2ban-regex.
import { WatchMX } from '../module.js';
import { runTestProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runTestProgram(WatchMX, argv);
