// rules/Test [--json] [FILE]: WatchWB's fail2ban-regex.
import { WatchWB } from '../module.js';
import { runTestProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runTestProgram(WatchWB, argv);
