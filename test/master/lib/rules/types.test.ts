// A rules directory with type subdirectories: each type's ladder is the common files and its own
// in one file-name order (a type's file replaces the common one of the same name), its maps add
// to the common ones, and a problem in a type's file names that file and line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRuleSet, decideLine } from '../../../../master/lib/rules/ruleset.js';
import { ladderOf } from '../../../../master/lib/rules/view.js';
import { runCheckAllRules } from '../../../../master/lib/rules/tools.js';

const rule = (name: string, pattern: string, action = 'inject') =>
  `RULE=${name}\nPattern='${pattern}'\nif [[ "$REPLY" =~ $Pattern ]]; then ${action}; return $?; fi\n#expect match ${name} 192.0.2.1\n#line Nov  1 00:00:00 h svc: ${pattern.replace(/^: /, '')} from 192.0.2.1\n`;

describe('rules per line type', () => {
  let dir: string;
  const write = (rel: string, text: string) => { mkdirSync(join(dir, rel, '..'), { recursive: true }); writeFileSync(join(dir, rel), text); };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'watcher-types-'));
    write('peer_map', 'svc: .* from ADDR$\n');
    write('superflous_map', ': noise\n');
    write('010-a.rule', rule('common-a', ': alpha'));
    write('050-b.rule', rule('common-b', ': beta'));
    write('wp/050-b.rule', rule('wp-b', ': gamma'));
    write('wp/020-c.rule', rule('wp-c', ': beta'));
    write('wp/superflous_map', ': wpnoise\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('orders common and own files by name, replaces a common file by the type\'s of the same name', () => {
    const { set, problems } = readRuleSet(dir);
    expect(problems).toEqual([]);
    expect(set!.rules.map((r) => r.name)).toEqual(['common-a', 'common-b']);
    const wp = set!.types!.get('wp')!;
    expect(wp.rules.map((r) => r.name)).toEqual(['common-a', 'wp-c', 'wp-b']);
    const line = (m: string) => `Nov  1 00:00:00 h svc: ${m} from 192.0.2.1`;
    expect((decideLine(ladderOf(set!, { type: 'wp' }), line('beta')) as { name: string }).name).toBe('wp-c');
    expect((decideLine(ladderOf(set!, { type: 'other' }), line('beta')) as { name: string }).name).toBe('common-b');
    expect(decideLine(wp, line('wpnoise'))).toBe('skip');
    expect(decideLine(wp, line('noise'))).toBe('skip');
    expect(decideLine(set!, line('wpnoise'))).toBeUndefined();
    expect(wp.findPeer(line('gamma'))).toBe('192.0.2.1');
  });

  it('refuses a broken file of a type with its file and line; check-all-rules replays each type\'s samples', () => {
    const out: string[] = [];
    expect(runCheckAllRules(dir, (s) => out.push(s))).toBe(0);
    expect(out.join('')).toContain(': 2 decisions in 2 files and the types wp, 4 samples, all samples as annotated');
    write('wp/030-bad.rule', "RULE=bad\nPattern='x'\nfrobnicate\n");
    const { set, problems } = readRuleSet(dir);
    expect(set).toBeUndefined();
    expect(problems.map((p) => `${p.file}:${p.line}`)).toEqual([`${join(dir, 'wp/030-bad.rule')}:3`]);
  });
});
