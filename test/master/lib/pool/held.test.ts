// A Loadfile whose writer holds its entries: FillFW's reading gives exactly what parsing the file
// gives (entries, line numbers, spared and refused lines), and the file itself wins once it changed.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanHeld, scanLoadfile, type HeldLoadfile, type ScanSink } from '../../../../master/lib/pool/loadfile.js';
import { readSource, type Tally } from '../../../../master/lib/pool/fillread.js';
import { statSource } from '../../../../master/lib/pool/sources.js';
import { NetMatcher } from '../../../../master/lib/net/netmatch.js';
import { parseNet, type Net } from '../../../../master/lib/net/address.js';
import type { Entry, Loader } from '../../../../master/lib/firewall/types.js';

const net = (s: string): Net => parseNet(s) as Net;
const rows: [string, string, string?][] = [['geo-xx', '81.0.0.0/16'], ['geo-xx', '46.1.2.0/24'], ['geo-xx', '2a00::/29', 'a comment'], ['whitelist', '46.1.2.3'], ['geo-yy', '82.0.0.1']];
const never = new NetMatcher([net('46.1.2.0/24')]);
const text = `# Loadfile-geo: a test\n${rows.map(([s, n, c]) => `add ${s} ${n}${c ? ` comment "${c}"` : ''}`).join('\n')}\n`;

// Everything a sink is told, in order.
function recorder(wants?: (set: string) => boolean): { sink: ScanSink; seen: string[] } {
  const seen: string[] = [];
  return { seen, sink: {
    wants,
    entry: (e, line) => seen.push(`entry ${line} ${e.set} ${e.net} ${e.family} ${e.comment ?? '-'}`),
    problem: (p) => seen.push(`problem ${p.line} ${p.reason}`),
    spared: (p) => seen.push(`spared ${p.line} ${p.text} ${p.reason}`),
  } };
}

let dir = '';
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('held Loadfiles', () => {
  it('scanHeld tells the sink what scanLoadfile tells it from the text, set filter included', async () => {
    // The rows as the writer holds them: a run of entries per set, in file order.
    const runs: { set: string; nets: string[]; comments: (string | undefined)[] }[] = [];
    for (const [set, n, comment] of rows) {
      if (runs.at(-1)?.set !== set) runs.push({ set, nets: [], comments: [] });
      runs.at(-1)!.nets.push(n);
      runs.at(-1)!.comments.push(comment);
    }
    expect(runs.length).toBeGreaterThan(2);
    const held: HeldLoadfile = { written: { mtimeMs: 0, size: 0, ino: 0 }, first: 2, runs };
    for (const wants of [undefined, (s: string) => s !== 'geo-yy']) {
      const a = recorder(wants), b = recorder(wants);
      await scanLoadfile(text, 'F', a.sink, never);
      await scanHeld(held, 'F', b.sink, never);
      expect(b.seen).toEqual(a.seen);
      expect(a.seen.filter((l) => l.startsWith('spared'))).toHaveLength(1);
    }
  });

  it('a run screened against the same networks goes to the sink whole; against others, entry by entry, spared ones spared', async () => {
    const nets = ['81.0.0.0/16', '46.1.2.0/25', '82.0.0.1'];
    const runs = [{ set: 'geo-xx', nets, family: 4 as const }, { set: 'whitelist', nets: ['83.0.0.1'], family: 4 as const }];
    const seen = (screened: string, wants?: (set: string) => boolean) => {
      const r = recorder(wants);
      r.sink.nets = (set, family, texts, comments, first) => { r.seen.push(`nets ${first} ${set} ${family} ${texts.join(',')} ${comments ?? '-'}`); };
      return scanHeld({ written: { mtimeMs: 0, size: 0, ino: 0 }, first: 2, runs, screened }, 'F', r.sink, never).then((n) => [n, ...r.seen]);
    };
    // The whitelist's run is no DROP set's: entry by entry always.
    expect(await seen(never.key)).toEqual([3 + 1, 'nets 2 geo-xx 4 81.0.0.0/16,46.1.2.0/25,82.0.0.1 -', 'entry 5 whitelist 83.0.0.1 4 -']);
    // Screened against another whitelist (46.1.2.0/24 was added since): each entry looked at again.
    expect(await seen(new NetMatcher().key)).toEqual([3, 'entry 2 geo-xx 81.0.0.0/16 4 -', 'spared 3 add geo-xx 46.1.2.0/25 46.1.2.0/25 is whitelisted or this machine\'s own address: not dropped', 'entry 4 geo-xx 82.0.0.1 4 -', 'entry 5 whitelist 83.0.0.1 4 -']);
    expect(await seen(never.key, (set) => set === 'whitelist')).toEqual([1, 'entry 5 whitelist 83.0.0.1 4 -']);
  });

  it('readSource takes the held entries while the file is the one written, and the file once it was replaced', async () => {
    dir = mkdtempSync(join(tmpdir(), 'watcher-held-'));
    const path = join(dir, 'Loadfile-geo');
    writeFileSync(path, text);
    // What the writer holds differs from the file on purpose: which one was read shows in the entries.
    const held: HeldLoadfile = { written: statSource(path)!, first: 2, runs: [{ set: 'geo-xx', nets: ['83.0.0.0/8'] }] };
    const load = async (): Promise<string[]> => {
      const got: string[] = [];
      const loader = { expect: () => undefined, add: (e: Entry) => { got.push(`${e.set} ${e.net}`); }, drain: async () => undefined } as unknown as Loader;
      const tally: Tally = { entries: 0, problems: 0, spared: 0, read: [], foreign: new Set(), held: new Map([[path, held]]), white: [], fed: new Set() };
      await readSource({ path, kind: 'loadfile', name: 'geo' }, loader, never, tally, () => undefined);
      return got;
    };
    expect(await load()).toEqual(['geo-xx 83.0.0.0/8']);
    writeFileSync(`${path}.new`, text);
    renameSync(`${path}.new`, path);
    expect(await load()).toEqual(['geo-xx 81.0.0.0/16', 'geo-xx 2a00::/29', 'whitelist 46.1.2.3', 'geo-yy 82.0.0.1']);
  });
});
