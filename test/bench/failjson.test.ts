// bench/corpus.ts reads fail2ban's annotated samples as fail2ban's own test does: which line a
// failJSON annotates, modes and constraints, ignored blocks, lines without an annotation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalConstraint, modeSection, readAnnotated } from '../../bench/failjson.js';

const SAMPLE = `# filterOptions: [{}, {"mode": "aggressive"}]

#1
# failJSON: { "time": "2005-06-21T16:47:48", "match": true , "host": "192.030.0.6" }
Jun 21 16:47:48 h sshd[1]: error: PAM: Authentication failure for x from 192.030.0.6
# failJSON: { "match": true , "host": "example.com", "desc": "a name" }
May 29 20:56:52 h sshd[2]: error: PAM: Authentication failure for y from example.com
#failJSON: { "match": false }
Oct 15 19:51:35 h sshd[3]: Address 1.2.3.4 maps to x, but this does not map back
Oct 15 19:51:36 h sshd[4]: a line without an annotation
# failJSON: { "constraint": "opts.get('mode') == 'aggressive'", "match": true , "host": "192.0.2.111" }
Nov 28 09:16:05 h sshd[5]: Connection closed by 192.0.2.111 [preauth]
# failJSON: { "constraint": "opts.get('mode') != 'aggressive'", "match": false, "desc": "nofail in normal mode" }
Nov 28 09:16:06 h sshd[6]: Connection closed by 192.0.2.112 [preauth]
# failJSON: { "constraint": "name == 'sshd'", "match": true , "attempts": 3 }
Nov 28 09:16:07 h sshd[7]: Disconnecting: Too many authentication failures [preauth]
# failJSON: { "constraint": "len(x) > 1", "match": true , "host": "192.0.2.9" }
Nov 28 09:16:08 h sshd[8]: x
# filterOptions: [{"test.condition":"name=='other'"}]
# failJSON: { "match": true , "host": "192.0.2.10" }
Nov 28 09:16:09 h sshd[9]: ignored block
# fileOptions: {"logtype": "journal", "test.prefix-line": "srv sshd[10]: "}
# filterOptions: {"mode": "ddos"}
# failJSON: { "match": true , "host": "192.0.2.11" }
Did not receive identification string from 192.0.2.11
`;

describe('fail2ban sample files', () => {
  it('annotates the line after each failJSON, in the modes of its block', () => {
    const dir = mkdtempSync(join(tmpdir(), 'failjson-'));
    try {
      writeFileSync(join(dir, 'sshd'), SAMPLE);
      const { lines, skipped } = readAnnotated(join(dir, 'sshd'), 'sshd', 'sshd');
      expect(skipped).toBe(1);
      expect(lines.map((l) => [l.line, l.match, l.host ?? null, l.text.slice(0, 30)])).toEqual([
        [5, true, '192.030.0.6', 'Jun 21 16:47:48 h sshd[1]: err'],
        [7, true, 'example.com', 'May 29 20:56:52 h sshd[2]: err'],
        [9, false, null, 'Oct 15 19:51:35 h sshd[3]: Add'],
        [10, false, null, 'Oct 15 19:51:36 h sshd[4]: a l'],
        [12, true, '192.0.2.111', 'Nov 28 09:16:05 h sshd[5]: Con'],
        [16, true, null, 'Nov 28 09:16:07 h sshd[7]: Dis'],
        [25, true, '192.0.2.11', 'srv sshd[10]: Did not receive '],
      ]);
      expect(lines.filter((l) => l.match).map((l) => [l.line, modeSection(l.modes)])).toEqual([
        [5, 'default'], [7, 'default'], [12, 'aggressive'], [16, 'default'], [25, 'ddos'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["name == 'sshd'", true],
    ["name != 'sshd'", false],
    ["opts.get('mode') == 'aggressive'", false],
    ["opts.get('mode') != 'aggressive'", true],
    ['len(x) > 1', undefined],
  ])('evaluates %s', (expr, want) => {
    expect(evalConstraint(expr as string, 'sshd', { mode: 'ddos' })).toBe(want);
  });
});
