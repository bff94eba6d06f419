// rules/check-all-rules: check every WatchLG rule file and its samples.
import { WatchLG } from '../module.js';
import { runCheckAllRulesProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckAllRulesProgram(WatchLG, argv);
