// Part of `npm run build`: execa as one file, dist/vendor/execa.js, which the runner imports as
// `#execa` (package.json "imports"). Node's module loader spends about 90 ms on execa's 180
// files at every program start; the one file loads in about 25 ms. Same code, same version
// (the one package-lock.json installs): only how it is loaded changes.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist/vendor'), { recursive: true });
await build({
  stdin: { contents: "export * from 'execa';", resolveDir: root, loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(root, 'dist/vendor/execa.js'),
  // cross-spawn and other CommonJS parts of execa call require() for node's own modules.
  banner: { js: "import { createRequire as __watcherRequire } from 'node:module'; const require = __watcherRequire(import.meta.url);" },
  legalComments: 'inline',
  logLevel: 'warning',
});
