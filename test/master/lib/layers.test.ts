// The layout of master/lib: a folder imports only from itself and the folders below it, and no
// file reaches itself again through its imports (no circles, type imports included).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../../..');
const LIB = 'master/lib';
/** The folders of master/lib, lowest first; a folder may import those of a lower rank. */
const RANK: Record<string, number> = { core: 0, net: 1, firewall: 2, rules: 2, pool: 3, web: 3, module: 4, geo: 5, service: 5, dynload: 6 };

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(join(ROOT, dir))) {
    const p = posix.join(dir, f);
    if (statSync(join(ROOT, p)).isDirectory()) sources(p, out); else if (f.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of a file (static, dynamic, type-only and re-exports), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*|import\s+)'(\.[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => posix.normalize(posix.join(posix.dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The main file of each folder, whose header paragraph says what the folder owns and may import. */
const MAIN: Record<string, string> = { core: 'cli', net: 'address', firewall: 'types', rules: 'ruleset', pool: 'fillfw', module: 'run', geo: 'run', service: 'service', dynload: 'dynload', web: 'instance' };

const folderOf = (file: string): string | undefined => file.startsWith(`${LIB}/`) ? file.slice(LIB.length + 1).split('/')[0] : undefined;
const files = sources(LIB);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('master/lib layout', () => {
  it('has only the known folders, no file at its top', () => {
    expect(files.filter((f) => dirname(f) === LIB)).toEqual([]);
    expect([...new Set(files.map(folderOf))].filter((d) => !(d! in RANK))).toEqual([]);
  });

  it('opens the main file of each folder with the paragraph on what the folder owns and may import', () => {
    for (const [folder, main] of Object.entries(MAIN)) {
      expect(readFileSync(join(ROOT, LIB, folder, `${main}.ts`), 'utf8')).toMatch(new RegExp(`^// ${folder}/: [^]*It may import`));
    }
    expect(Object.keys(MAIN).sort()).toEqual(Object.keys(RANK).sort());
  });

  it('imports only from the same folder or a lower one; core imports nothing of Watcher outside core', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      const from = folderOf(f)!;
      for (const d of deps) {
        const to = folderOf(d);
        if (to === undefined) {
          if (!(d === 'common.conf.ts' && RANK[from] > 0)) bad.push(`${f} -> ${d}`);
        } else if (to !== from && RANK[to] >= RANK[from]) bad.push(`${f} -> ${d}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') { circles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(LIB, p)).join(' -> ')); return; }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(circles).toEqual([]);
  });
});
