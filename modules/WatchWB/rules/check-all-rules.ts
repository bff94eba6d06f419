// rules/check-all-rules: check every WatchWB rule file and its samples.
import { WatchWB } from '../module.js';
import { runCheckAllRulesProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckAllRulesProgram(WatchWB, argv);
