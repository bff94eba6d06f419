// Part of `npm run build`, after tsc: the programs as one file each, and execa as one file.
//
// - dist/vendor/execa.js: execa and its 180 files, which the runner imports as `#execa`
//   (package.json "imports"). Same code, same version (the one package-lock.json installs).
// - dist/bundle/<path>.js: each program's compiled module (dist/<path>.js) with the Watcher
//   modules it imports, which its entry file (master/FillFW, modules/WatchLG/WatchLG, ...) runs.
//   Packages (execa included) stay outside.
//
// Node's module loader reads, links and runs each file of its own: about 25 ms for execa's 180
// files in one against 90 ms, and 40 to 60 ms for Watcher's own 50 to 60 of a program. Every
// program starts that much sooner (FillFW's restore tool, a module after `watcher start`,
// `watcher status`). Only the loading changes: dist/ keeps every module as tsc wrote it (the
// tests import them, and a copy of dynload/Template runs its own).
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', legalComments: 'inline', logLevel: 'warning' };

mkdirSync(join(root, 'dist/vendor'), { recursive: true });
await build({
  ...common,
  stdin: { contents: "export * from 'execa';", resolveDir: root, loader: 'js' },
  outfile: join(root, 'dist/vendor/execa.js'),
  // cross-spawn and other CommonJS parts of execa call require() for node's own modules.
  banner: { js: "import { createRequire as __watcherRequire } from 'node:module'; const require = __watcherRequire(import.meta.url);" },
});

// The entry files: executables of the tree that import their program from dist/bundle/.
const BUNDLED = /^import .* from '((?:\.\.\/)+)dist\/bundle\/([^']+\.js)';$/m;
const entries = new Map();
const walk = (dir, depth) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory() && depth > 0 && !['node_modules', 'dist', 'test', 'bench', 'build', '.git'].includes(name)) walk(path, depth - 1);
    if (!st.isFile() || name.includes('.')) continue;
    const text = readFileSync(path, 'utf8');
    const m = text.startsWith('#!/usr/bin/env node') ? BUNDLED.exec(text) : null;
    if (!m) continue;
    if (join(dirname(path), m[1]) !== `${root}/`) throw new Error(`${relative(root, path)}: its import does not lead to ${root}/dist/bundle`);
    entries.set(m[2].slice(0, -3), join(root, 'dist', m[2]));
  }
};
for (const top of ['master', 'modules', 'dynload', 'bin']) walk(join(root, top), 3);
if (entries.size === 0) throw new Error('no entry file imports from dist/bundle/');

rmSync(join(root, 'dist/bundle'), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: Object.fromEntries(entries),
  outdir: join(root, 'dist/bundle'),
  packages: 'external',
  external: ['#execa'],
});
