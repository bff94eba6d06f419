// rules/check-all-rules: check every WatchMB rule file and its samples.
import { WatchMB } from '../module.js';
import { runCheckAllRulesProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckAllRulesProgram(WatchMB, argv);
