import { describe, expect, it } from 'vitest';
import { parseAssignments } from '../../../../master/lib/core/conf.js';
import { ConfError } from '../../../../master/lib/core/exit.js';

// [what, file text, expected key=value pairs]
const good: [string, string, Record<string, string>][] = [
  ['plain', 'A=1', { A: '1' }],
  ['empty value', 'TRACE=', { TRACE: '' }],
  ['single quotes keep everything', "Z='cn ru $HOME \"x\" $(no)'", { Z: 'cn ru $HOME "x" $(no)' }],
  ['double quotes with escapes', 'A="a \\"b\\" \\\\ \\$c"', { A: 'a "b" \\ $c' }],
  ['export prefix', 'export FIFO_BASE=/var/log/.pipes', { FIFO_BASE: '/var/log/.pipes' }],
  ['comments and blanks', '# c\n\n   # indented\nA=1   # trailing comment\n', { A: '1' }],
  ['hash inside a word is not a comment', 'A=x#y', { A: 'x#y' }],
  ['backslash escapes a blank', 'A=a\\ b', { A: 'a b' }],
  ['concatenated quoting', "A=pre'mid'\"post\"", { A: 'premidpost' }],
  ['expansion of an earlier key', 'D=/x\nL=$D/log\nM="${D}/m"', { D: '/x', L: '/x/log', M: '/x/m' }],
  ['CRLF line ends', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
  ['leading blanks', '   A=1', { A: '1' }],
  ['a lone dollar', 'A=5$', { A: '5$' }],
];

// [what, file text, line, message part]
const bad: [string, string, number, RegExp][] = [
  ['command substitution', 'A=$(reboot)', 1, /A="\$\(reboot\)": command substitution \$\(\.\.\.\) is refused/],
  ['command substitution in double quotes', '\nA="x $(id)"', 2, /command substitution/],
  ['backticks', 'A=`id`', 1, /command substitution `...` is refused/],
  ['backticks in double quotes', 'A="`id`"', 1, /refused/],
  ['a command', 'rm -rf /', 1, /not an assignment.*'rm' is never run/],
  ['blank before =', 'A = 1', 1, /not an assignment/],
  ['unquoted blank in value', 'ZONES=cn ru', 1, /unexpected text after the value: "ru"/],
  ['unterminated quote', "A='abc", 1, /unterminated single quote/],
  ['unterminated double quote', 'A="abc', 1, /unterminated double quote/],
  ['command separator', 'A=1;reboot', 1, /unquoted ';' would be run by a shell/],
  ['pipe', 'A=1|sh', 1, /unquoted '\|'/],
  ['array', 'A=(1 2)', 1, /arrays are not supported/],
  ['unknown variable', 'A=$NOPE_NOT_SET', 1, /unknown variable \$NOPE_NOT_SET/],
  ['parameter expansion with operator', 'A=${B:-x}', 1, /unsupported expansion/],
];

describe('parseAssignments', () => {
  it.each(good)('%s', (_what, text, want) => {
    const got = Object.fromEntries(parseAssignments(text, 'x.conf').map((a) => [a.key, a.value]));
    expect(got).toEqual(want);
  });

  it.each(bad)('refuses %s', (_what, text, line, msg) => {
    let err: unknown;
    try { parseAssignments(text, 'x.conf'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfError);
    const ce = err as ConfError;
    expect(ce.line).toBe(line);
    expect(ce.exitCode).toBe(78);
    expect(ce.message).toMatch(new RegExp(`^x\\.conf:${line}: `));
    expect(ce.message).toMatch(msg);
  });

  it('reports line numbers of the assignments', () => {
    expect(parseAssignments('# x\n\nA=1\nB=2', 'f').map((a) => a.line)).toEqual([3, 4]);
  });

  it('expands variables from the lookup (defaults, MASTER_PATH)', () => {
    const got = parseAssignments('L=$LOG_DIR/WatchLG.log', 'f', (n) => (n === 'LOG_DIR' ? '/var/log' : undefined));
    expect(got[0].value).toBe('/var/log/WatchLG.log');
  });
});
