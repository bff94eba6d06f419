// rules/Test [--json] [FILE]: WatchMB's fail2ban-regex.
import { WatchMB } from '../module.js';
import { runTestProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runTestProgram(WatchMB, argv);
