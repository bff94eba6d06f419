// rules/Test [--json] [FILE]: WatchLG's fail2ban-regex.
import { WatchLG } from '../module.js';
import { runTestProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runTestProgram(WatchLG, argv);
