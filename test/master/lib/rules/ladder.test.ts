// The ladder (ladder.ts) tries each pattern only at the anchor where it can start. It must
// decide every line exactly as trying every pattern wherever a match may start does (the
// plain walk below, anchor.ts): the shipped rule sets over their samples, generated logs,
// hostile header shapes and thousands of mutated lines.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../helpers/install.js';
import { readRuleSet, type RuleSet, type Decision } from '../../../../master/lib/rules/ruleset.js';
import { readSamples } from '../../../../master/lib/rules/samples.js';
import { parseHeader } from '../../../../master/lib/rules/header.js';
import { execAnchored, includesAnchored } from '../../../../master/lib/rules/anchor.js';
import { prefixesOf } from '../../../../master/lib/rules/shape.js';
import { translateEre } from '../../../../master/lib/rules/ere.js';
import { Ladder, factored } from '../../../../master/lib/rules/ladder.js';
import { parseRuleFile } from '../../../../master/lib/rules/parse.js';
import { compileLinear } from '../../../../master/lib/rules/linear.js';
import { parsePeerMap } from '../../../../master/lib/rules/maps.js';
import { readFileSync } from 'node:fs';
import { generateLines } from '../../../../bench/genlog.js';
import { attackLines, benignLines } from '../../../../bench/web-corpus.js';

const SETS = ['WatchLG/rules', 'WatchMB/rules', 'WatchMB/rules-dovecot', 'WatchMX/rules', 'WatchMX/rules-exim'].map((d) => join(REPO, 'modules', d));

// Every pattern tried wherever a match may start: superflous_map's patterns as one, then each rule.
function plainWalk(set: RuleSet, line: string, at: number): Decision {
  if (set.superflous !== undefined && execAnchored(set.superflous, line, at)) return 'skip';
  for (const r of set.rules) if (r.literal ? includesAnchored(line, r.pattern, at) : execAnchored(r.regex!, line, at)) return r;
  return undefined;
}

const WB = join(REPO, 'modules/WatchWB/rules');
/** Texts that WatchWB's patterns which read on through the line need (needs.ts), put into lines and taken out of them. */
const PAYLOAD_TEXTS = ['${', '%7B', '%7b', '%24%7B', '"()', '() {', '$%7B', '[client ', 'File does not exist: ', 'Access denied with code 4'];

const name = (d: Decision): string => d === undefined ? 'untreated' : d === 'skip' ? 'skip' : `${d.name}@${d.file}:${d.line}`;

// A deterministic stream of numbers (mulberry32).
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A line changed the ways that move anchors: ': ' or '[' put in, a character dropped, the line cut.
function mutate(line: string, next: () => number): string {
  const at = Math.floor(next() * (line.length + 1));
  const what = Math.floor(next() * 6);
  if (what === 0) return line.slice(0, at) + ': ' + line.slice(at);
  if (what === 1) return line.slice(0, at) + '[' + line.slice(at);
  if (what === 2) return line.slice(0, at) + line.slice(at + 1);
  if (what === 3) return line.slice(0, at);
  if (what === 4) return line.slice(0, at) + 'é' + line.slice(at);
  return line.slice(0, at) + ':' + line.slice(at);
}

function agree(set: RuleSet, raw: string): void {
  const { line, at } = parseHeader(raw);
  expect(name(set.ladder.decide(line, at)), raw).toBe(name(plainWalk(set, line, at)));
}

describe('the ladder', () => {
  it('reads the texts a match starts with from a pattern', () => {
    const p = (ere: string): string[] | undefined => prefixesOf(translateEre(ere))?.sort();
    expect(p(': (error: )?Received disconnect from [^ ]+')).toEqual([': Received disconnect from ', ': error: Received disconnect from ']);
    expect(p(': [Bb]ad (PAM )?password')).toEqual([': Bad PAM password', ': Bad password', ': bad PAM password', ': bad password']);
    expect(p('(sshd|sshd-session)\\[[0-9]+\\]: ')).toEqual(['sshd-session[', 'sshd[']);
    expect(p('.*: x')).toBeUndefined();
    expect(p('a|b*')).toBeUndefined();
    expect(p('[a-z]+x')).toBeUndefined();
  });

  for (const dir of SETS) {
    it(`decides as the plain walk does: ${dir.slice(REPO.length + 1)}, its samples and 3,000 mutations of them`, () => {
      const { set } = readRuleSet(dir, 'strict');
      expect(set).toBeDefined();
      const samples = readSamples(dir).map((s) => s.text);
      expect(samples.length).toBeGreaterThan(50);
      for (const s of samples) agree(set!, s);
      const next = random(dir.length);
      for (let i = 0; i < 3000; i++) {
        let line = samples[Math.floor(next() * samples.length)];
        for (let k = 1 + Math.floor(next() * 3); k > 0; k--) line = mutate(line, next);
        agree(set!, line);
      }
    });
  }

  for (const dir of SETS) {
    it(`finds the same peer as the look along the whole line: ${dir.slice(REPO.length + 1)}, its samples and 3,000 mutations of them`, () => {
      const text = readFileSync(join(dir, 'peer_map'), 'utf8');
      const quick = parsePeerMap(text, 'peer_map').find;
      const whole = parsePeerMap(text, 'peer_map', { wholeLine: true }).find;
      const samples = readSamples(dir).map((s) => s.text);
      const next = random(dir.length + 1);
      const lines = [...samples, ...Array.from({ length: 3000 }, () => {
        let line = samples[Math.floor(next() * samples.length)];
        for (let k = 1 + Math.floor(next() * 3); k > 0; k--) line = mutate(line, next);
        // Half of them with the start of another sample's message copied into the header.
        if (next() < 0.5) {
          const other = parseHeader(samples[Math.floor(next() * samples.length)]);
          const words = other.line.slice(other.at, other.at + 4 + Math.floor(next() * 20));
          const into = Math.floor(next() * (parseHeader(line).at + 1));
          line = line.slice(0, into) + words + line.slice(into);
        }
        return line;
      })];
      let named = 0;
      for (const raw of lines) {
        const { line, at } = parseHeader(raw);
        const peer = quick(line, at);
        expect(peer, raw).toEqual(whole(line, at));
        if (typeof peer === 'string') named++;
      }
      expect(named).toBeGreaterThan(lines.length / 10);
    });
  }

  it('finds the peer where the header holds the text a peer pattern begins with (a host named pam_x)', () => {
    const text = readFileSync(join(SETS[0], 'peer_map'), 'utf8');
    const quick = parsePeerMap(text, 'peer_map').find;
    const whole = parsePeerMap(text, 'peer_map', { wholeLine: true }).find;
    for (const raw of [
      'Nov  1 00:00:00 pam_unix sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2',
      'Nov  1 00:00:00 pam_unix sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.2  user=root',
    ]) {
      const { line, at } = parseHeader(raw);
      expect(quick(line, at), raw).toBe(whole(line, at));
      expect(quick(line, at), raw).toMatch(/^192\.0\.2\.[12]$/);
    }
  });

  it('decides as the plain walk does: WatchWB/rules of every instance type, its samples, the web corpus, generated web logs and 3,000 lines with texts patterns need put in or taken out', () => {
    const { set } = readRuleSet(WB, 'strict');
    expect(set?.types?.size).toBeGreaterThan(2);
    const sets = [set!, ...set!.types!.values()];
    const samples = readSamples(WB).map((s) => s.text);
    expect(samples.length).toBeGreaterThan(50);
    const lines = [...samples, ...[...attackLines(), ...benignLines()].map((l) => l.text),
      ...generateLines(3000, { kind: 'web', seed: 7 }), ...generateLines(3000, { kind: 'web-site', seed: 7 })];
    const next = random(WB.length);
    for (let i = 0; i < 3000; i++) {
      let line = samples[Math.floor(next() * samples.length)];
      const text = PAYLOAD_TEXTS[Math.floor(next() * PAYLOAD_TEXTS.length)];
      const at = Math.floor(next() * (line.length + 1));
      // Put in at a random place, or every occurrence taken out (a payload without its lookup).
      line = next() < 0.5 ? line.slice(0, at) + text + line.slice(at) : line.split(text).join('');
      lines.push(mutate(line, next));
    }
    let matched = 0;
    for (const raw of lines) {
      for (const s of sets) agree(s, raw.replace(/\n$/, ''));
      const { line, at } = parseHeader(raw.replace(/\n$/, ''));
      if (set!.ladder.decide(line, at) !== undefined) matched++;
    }
    expect(matched).toBeGreaterThan(lines.length / 2);
  });

  it('decides generated auth and mail logs as the plain walk does', () => {
    const lg = readRuleSet(SETS[0], 'strict').set!;
    const mx = readRuleSet(SETS[3], 'strict').set!;
    for (const l of generateLines(5000, { kind: 'auth', seed: 7 })) agree(lg, l);
    for (const l of generateLines(5000, { kind: 'mail', seed: 7 })) agree(mx, l);
  });

  it('decides lines of 5,000 program names (each its own plan, then the plan of any name) as the plain walk does, with its plans bounded', () => {
    const set = readRuleSet(SETS[0], 'strict').set!;
    const messages = readSamples(SETS[0]).map((x) => parseHeader(x.text)).map(({ line, at }) => line.slice(at));
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.';
    let k = 0;
    for (const a of chars) {
      for (const b of chars) {
        const message = messages[k++ % messages.length];
        agree(set, `Nov  1 00:00:00 host ${a}${b}[1]: ${message}`);
        agree(set, `Nov  1 00:00:00 host ssh${a}${b}[1]: ${message}`);
        agree(set, `Nov  1 00:00:00 host s${b}[1]: ${message}`);
      }
    }
    for (const prog of ['sshd', 'sshd-session', 'systemd', 'systemd-logind', 'CRON', 'dropbear', 'polkitd', 'd', 'é', 'éd', 'dé']) {
      for (const message of messages) agree(set, `Nov  1 00:00:00 host ${prog}[1]: ${message}`);
    }
    const plans = (set.ladder as unknown as { plans: Map<number, unknown> }).plans;
    expect(plans.size).toBeGreaterThan(4000);
    expect(plans.size).toBeLessThanOrEqual(4096 + 131);
  });

  it('finds a pattern where a header holds two anchors, or none, or the message starts with one', () => {
    const set = readRuleSet(SETS[0], 'strict').set!;
    for (const raw of [
      'Nov  1 00:00:00 host sshd[1]: : Failed password for root from 192.0.2.1 port 22 ssh2',
      '<38>1 2019-07-08T17:40:16.954+00:00 host sshd 57915 - [sd "with ] escaped"] Failed password for root from 192.0.2.1 port 22 ssh2',
      'Nov  1 00:00:00 host sshd[1]: [ID 800047 auth.info] Failed password for root from 192.0.2.1 port 22 ssh2',
      'Failed password for root from 192.0.2.1 port 22 ssh2',
      ': Failed password for root from 192.0.2.1 port 22 ssh2',
      'Nov  1 00:00:00 host sshd: Failed password for root from 192.0.2.1 port 22 ssh2',
      `Nov  1 00:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2 ${'x'.repeat(600)}`,
      `Nov  1 00:00:00 host sshd[1]: Disconnected from ${'['.repeat(20)} port 1 [preauth]`,
    ]) agree(set, raw);
  });

  it('writes the text neighbouring noise patterns begin with once, never changing what they match', () => {
    expect(factored(['sshd\\[[0-9]+\\]: Accepted', 'sshd\\[[0-9]+\\]: Received', 'dropbear\\['])).toBe('(?:sshd\\[[0-9]+\\]: (?:Accepted|Received))|(?:dropbear\\[)');
    // No cut inside a class, an escape or a group, or before a quantifier; a top-level '|' is kept whole.
    expect(factored(['ab+c', 'abd'])).toBe('(?:a(?:b+c|bd))');
    expect(factored(['a|b', 'a|c'])).toBe('(?:a|b)|(?:a|c)');
    expect(factored(['[ab]x', '[ac]x'])).toBe('(?:[ab]x)|(?:[ac]x)');
    expect(factored(['(?:ab)c', '(?:ab)d'])).toBe('(?:(?:ab)(?:c|d))');
    const sources = ['x\\[1\\]y+', 'x\\[1\\]z?', 'x(?:a|b)*q', 'x(?:a|b)q', 'x', '[x]'];
    const lines = ['x[1]yy', 'x[1]', 'xabq', 'xbq', 'x', 'y', 'x[1', 'xq'];
    const one = new RegExp(factored(sources));
    for (const l of lines) expect(one.test(l), l).toBe(sources.some((src) => new RegExp(src).test(l)));
  });

  it('keeps the ladder order: the first step that matches wins, noise before rules', () => {
    const rules = parseRuleFile([
      'RULE=first', "Pattern=': Failed '", 'if [[ "$REPLY" =~ $Pattern ]]; then inject; return $?; fi',
      'RULE=second', "Pattern=': Failed password'", 'if [[ "$REPLY" =~ "$Pattern" ]]; then inject; return $?; fi',
      'RULE=tagged', "Pattern='sshd\\[[0-9]+\\]: Accepted'", 'if [[ "$REPLY" =~ $Pattern ]]; then return 0; fi',
    ].join('\n'), 'x.rule').rules;
    const ladder = new Ladder([compileLinear('sshd\\[[0-9]+\\]: Failed password for noise')], rules);
    const d = (msg: string): string => name(ladder.decide(...(({ line, at }) => [line, at] as const)(parseHeader(`Nov  1 00:00:00 host sshd[1]: ${msg}`)))).split('@')[0];
    expect(d('Failed password for noise from 192.0.2.1')).toBe('skip');
    expect(d('Failed password for root')).toBe('first');
    expect(d('Accepted publickey')).toBe('tagged');
    expect(d('Other')).toBe('untreated');
  });
});
