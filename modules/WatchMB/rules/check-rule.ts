// rules/check-rule FILE...: check WatchMB rule files.
import { WatchMB } from '../module.js';
import { runCheckRuleProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckRuleProgram(WatchMB, argv);
