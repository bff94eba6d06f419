// rules/check-all-rules: check every WatchMX rule file and its samples.
import { WatchMX } from '../module.js';
import { runCheckAllRulesProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckAllRulesProgram(WatchMX, argv);
