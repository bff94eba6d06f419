// Replay helpers for a module's rule sets: every annotated sample through rules/Test --json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { expect } from 'vitest';
import { REPO } from '../../helpers/install.js';
import { readSamples, type Sample } from '../../../master/lib/rules/samples.js';
import { listRuleFiles } from '../../../master/lib/rules/ruleset.js';
import { parseRuleFile } from '../../../master/lib/rules/parse.js';

export interface Verdict { verdict: string; rule: string | null; action: string | null; penalty: number | null; address: string | null }

/** Run a tool of a module's rules/ directory from a neutral working directory. */
export const ruleTool = (module: string, name: string, args: string[], input?: string | Buffer) =>
  execa(join(REPO, 'modules', module, 'rules', name), args, { input, reject: false, cwd: tmpdir() });

/** Replay lines through `rules/Test --json --rules <set> [--level <level>]`; one verdict per line. */
export async function replay(module: string, set: string, lines: string[], level?: 'normal' | 'strict'): Promise<Verdict[]> {
  const r = await ruleTool(module, 'Test', ['--json', '--rules', set, ...(level ? ['--level', level] : [])], lines.join('\n') + '\n');
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => JSON.parse(l) as Verdict);
}

/** The samples of a rule set and a check that every rule of it has one it matches. */
export function samplesOf(module: string, set: string): Sample[] {
  const dir = join(REPO, 'modules', module, set);
  const samples = readSamples(dir);
  for (const file of listRuleFiles(dir)) {
    for (const rule of parseRuleFile(readFileSync(file, 'utf8'), file).rules) {
      expect(samples.some((s) => s.verdict === 'match' && s.rule === rule.name), `${file}:${rule.line}: ${rule.name} has no sample`).toBe(true);
    }
  }
  return samples;
}

/** Every sample of the set gets its annotated verdict, rule and address from rules/Test, every rule on (as check-all-rules replays them). */
export async function expectSamplesReplay(module: string, set: string): Promise<void> {
  const samples = samplesOf(module, set);
  expect(samples.length).toBeGreaterThan(5);
  const got = await replay(module, set, samples.map((s) => s.text), 'strict');
  expect(got).toHaveLength(samples.length);
  samples.forEach((s, i) => {
    const want = s.verdict === 'match' ? { verdict: 'match', rule: s.rule, address: s.address ?? null } : { verdict: s.verdict, rule: null, address: null };
    expect(got[i], `${s.file}:${s.line}`).toMatchObject(want);
  });
}
