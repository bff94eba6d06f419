// FillFW against raw `ipset restore` of the same 1,000,000 entries, and a reload of one 100k set.
// Every measurement runs in a network namespace of its own (the host's firewall is never touched).
// Run: npm run build && node dist/bench/fillfw.js [--entries N] [--files N]
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASTER_PATH } from '../master/lib/core/paths.js';
import { numberArg, openNs, poolEntry, timed } from './common.js';
import { createLine, kernelName } from '../master/lib/firewall/ipset-names.js';

const ENTRIES = numberArg('entries', 1_000_000);
const FILES = numberArg('files', 10);
const PER = Math.floor(ENTRIES / FILES);

function loadfile(set: number, round: number): string {
  const lines: string[] = [];
  for (let i = set * PER; i < (set + 1) * PER; i++) lines.push(`add set${set} ${poolEntry(i, round)}`);
  return lines.join('\n') + '\n';
}

// A copy of the built tree with its own RUN_DIR.
function makeTree(): { root: string; env: NodeJS.ProcessEnv; remove: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'watcher-bench-'));
  const root = join(base, 'Watcher');
  mkdirSync(root);
  for (const p of ['package.json', 'loader.conf', 'master', 'dist']) cpSync(join(MASTER_PATH, p), join(root, p), { recursive: true });
  symlinkSync(join(MASTER_PATH, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'Loadfiles'));
  writeFileSync(join(root, 'loader.conf'), '');
  const env = { ...process.env, RUN_DIR: join(base, 'run'), FIFO_BASE: join(base, 'pipes'), LOG_DIR: join(base, 'log'), TOOLPATH: join(base, 'sbin') };
  return { root, env, remove: () => rmSync(base, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const tree = makeTree();
  const node = process.execPath;
  try {
    console.log(`Generating ${FILES} Loadfiles of ${PER} entries (${FILES * PER} CIDRs and addresses) ...`);
    // The reference: what an administrator feeds `ipset restore` by hand (default hash size),
    // and the same with the hash sized up front as Watcher's Flushload does.
    const raw: string[] = [];
    const sized: string[] = [];
    for (let s = 0; s < FILES; s++) {
      const text = loadfile(s, 0);
      writeFileSync(join(tree.root, 'Loadfiles', `Loadfile-src${s}`), text);
      raw.push(`${createLine(`set${s}`, kernelName(`set${s}`, 4), 4)}\n${text}`);
      sized.push(`${createLine(`set${s}`, kernelName(`set${s}`, 4), 4, PER)}\n${text}`);
    }
    const rawFile = join(tree.root, '..', 'raw.restore');
    const sizedFile = join(tree.root, '..', 'sized.restore');
    writeFileSync(rawFile, raw.join(''));
    writeFileSync(sizedFile, sized.join(''));

    const rounds: { raw: number; sized: number; asWatcher: number; fill: number }[] = [];
    for (let r = 0; r < 2; r++) {
      console.log(`Round ${r + 1}: each load into a fresh network namespace`);
      let ns = await openNs();
      const rawS = await timed('raw: ipset restore -f raw.restore', () => ns.run('ipset', ['restore', '-f', rawFile]));
      await ns.close();
      ns = await openNs();
      const sizedS = await timed('raw, hash sized: ipset restore -f sized.restore', () => ns.run('ipset', ['restore', '-f', sizedFile]));
      await ns.close();
      ns = await openNs();
      // Watcher tells ipset not to look at /etc/resolv.conf again for every address (runner.ts).
      const asWatcherS = await timed('raw, hash sized, RES_OPTIONS=no-reload (as Watcher runs ipset)', () => ns.run('ipset', ['restore', '-f', sizedFile], { ...process.env, RES_OPTIONS: 'no-reload' }));
      await ns.close();
      ns = await openNs();
      const fillS = await timed('Watcher: master/FillFW (whole program)', () => ns.run(node, [join(tree.root, 'master/FillFW')], tree.env));
      await ns.close();
      rounds.push({ raw: rawS, sized: sizedS, asWatcher: asWatcherS, fill: fillS });
    }

    console.log(`Reload of one changed ${PER}-entry set while ${FILES * PER} are loaded:`);
    const ns = await openNs();
    await ns.run(node, [join(tree.root, 'master/watcher'), 'start'], tree.env);
    writeFileSync(join(tree.root, 'Loadfiles', 'Loadfile-src3'), loadfile(3, 1));
    const reloadS = await timed('Watcher: master/watcher reload', () => ns.run(node, [join(tree.root, 'master/watcher'), 'reload'], tree.env));
    const count = (await ns.run('ipset', ['list', '-t', 'set3'])).stdout.match(/Number of entries: (\d+)/)?.[1];
    const total = (await ns.run(node, [join(tree.root, 'master/watcher'), 'status'], tree.env).catch((e) => ({ stdout: String(e) }))).stdout;
    await ns.close();

    const best = (k: 'raw' | 'sized' | 'asWatcher' | 'fill') => Math.min(...rounds.map((x) => x[k]));
    console.log('');
    console.log(`FillFW ${FILES * PER} entries: ${rounds.map((x) => x.fill.toFixed(3)).join(' / ')} s   raw ipset restore: ${rounds.map((x) => x.raw.toFixed(3)).join(' / ')} s`);
    console.log(`ratio FillFW / raw (best of each): ${(best('fill') / best('raw')).toFixed(3)}   (target <= 1.15)`);
    console.log(`ratio FillFW / raw with the hash sized as Watcher does (best of each): ${(best('fill') / best('sized')).toFixed(3)}`);
    console.log(`ratio FillFW / raw run as Watcher runs ipset (hash sized, RES_OPTIONS=no-reload; best of each): ${(best('fill') / best('asWatcher')).toFixed(3)}`);
    console.log(`reload of one changed ${PER}-entry set with ${FILES * PER} loaded: ${reloadS.toFixed(3)} s (set3 now has ${count} entries)`);
    if (process.argv.includes('--status')) console.log(total);
  } finally {
    tree.remove();
  }
}

await main();
