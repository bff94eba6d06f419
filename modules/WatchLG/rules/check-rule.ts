// rules/check-rule FILE...: check WatchLG rule files.
import { WatchLG } from '../module.js';
import { runCheckRuleProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckRuleProgram(WatchLG, argv);
