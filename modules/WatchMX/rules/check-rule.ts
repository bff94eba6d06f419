// rules/check-rule FILE...: check WatchMX rule files.
import { WatchMX } from '../module.js';
import { runCheckRuleProgram } from '../../../master/lib/module/ruletools.js';

export const main = (argv: string[]): Promise<number> => runCheckRuleProgram(WatchMX, argv);
