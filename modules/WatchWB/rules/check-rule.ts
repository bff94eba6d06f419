// rules/check-rule FILE...: check WatchWB rule files.
import { WatchWB } from '../module.js';
import { runCheckRuleProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckRuleProgram(WatchWB, argv);
