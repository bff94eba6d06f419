// The programs of a rules directory (Test, check-rule, check-all-rules), bound to a module.
import { runProgram } from '../core/cli.js';
import { runRuleTest, runCheckRule, runCheckAllRules, TEST_TAG } from '../rules/tools.js';
import { LEVELS, type Level } from '../rules/parse.js';
import { existsSync } from 'node:fs';
import { loadModuleConf } from '../../../common.conf.js';
import { MASTER_PATH } from '../core/paths.js';
import { modulePaths, type ModuleDef } from './def.js';

/** The rules directory a tool works on: --rules when given, else the module's RULES key. */
export function selectedRules(def: ModuleDef, rules?: string): string {
  return modulePaths(def, MASTER_PATH, rules ?? loadModuleConf(def.name).RULES).rules;
}

const RULES_OPTION = { type: 'string', describe: "rule set instead of the module's RULES key: a directory of the module (rules-exim) or a path" } as const;

/** rules/Test [--json] [--verbose] [--rule NAME] [FILE] of a module: a summary per rule and of untreated lines on stderr. */
export function runTestProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: 'Test',
    describe: `replay log lines (FILE or stdin) through ${def.name}'s superflous_map and rules, one result a line; no database, no firewall`,
    options: (y) => y
      .command('$0 [file]', 'replay', (c) => c.positional('file', { type: 'string', describe: "log file ('-' or none: stdin); lines without a syslog header are given one" }))
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object a line: verdict, rule, action, penalty, address' })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'each line with its number, verdict, rule, penalty, address and text; the summary lists every rule' })
      .option('rule', { type: 'string', describe: "show only the lines this rule matches (with their number and text)" })
      .option('rules', RULES_OPTION)
      .option('level', { choices: LEVELS, describe: "rules of this level and below (default: the module's LEVEL key)" })
      .option('tag', { type: 'string', default: TEST_TAG, describe: 'program[pid] given to a bare message (a line without any header), e.g. sshd[1]' }),
    run: (a: { file?: string; json: boolean; verbose: boolean; rule?: string; rules?: string; level?: Level; tag: string }) => {
      const rules = selectedRules(def, a.rules);
      const lineView = def.view?.({ dir: modulePaths(def).dir, rules, log: (m) => process.stderr.write(`${m}\n`) });
      return runRuleTest(rules, a.file, { json: a.json, verbose: a.verbose, rule: a.rule, level: a.level ?? loadModuleConf(def.name).LEVEL as Level, tag: a.tag, lineView });
    },
  }, argv);
}

/** rules/check-rule FILE...: syntax of rule files, superflous_map, peer_map. */
export function runCheckRuleProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: 'check-rule',
    describe: `check rule files of ${def.name}: every problem as file:line (exit 78 if any)`,
    options: (y) => y.command('$0 <files..>', 'check', (c) => c.positional('files', { type: 'string', array: true })),
    run: (a: { files: string[] }) => runCheckRule(a.files, (s) => process.stdout.write(s)),
  }, argv);
}

/** rules/check-all-rules [DIR]: every file of the rules directory and their samples. */
export function runCheckAllRulesProgram(def: ModuleDef, argv: string[]): Promise<number> {
  return runProgram({
    name: 'check-all-rules',
    describe: `check every rule file of ${def.name} and replay their annotated samples (exit 78 on a problem)`,
    options: (y) => y.command('$0 [dir]', 'check', (c) => c.positional('dir', { type: 'string', describe: "rules directory (default: the module's RULES key)" })),
    run: (a: { dir?: string }) => runCheckAllRules(a.dir !== undefined && existsSync(a.dir) ? a.dir : selectedRules(def, a.dir), (s) => process.stdout.write(s)),
  }, argv);
}
