// FIREWALL=nftables: FillFW of 1M CIDRs against a raw `nft -f` of the same elements and against
// the iptables backend, the reload of one changed 100k set with 1M loaded, and the latency of a
// module's single add (p50/p99) on both backends, with the 1M loaded and with a pool of 20k.
// Each load runs in a fresh network namespace.
// Each load is timed in wall-clock and in CPU (user+sys of it and its children, GNU time): on a
// shared machine the CPU figures are the ones to compare (min of the rounds).
// A burst of a module's adds (--burst N, each with its timeout, one sync at the end) through the
// channel of each backend: wall time to the kernel and CPU of the run (node and the channel's tool).
// Run: npm run build && node dist/bench/nft.js [--entries N] [--files N] [--rounds N] [--adds N] [--small N] [--small-adds N] [--burst N] [--live]
// --live: only the channel figures (single adds, burst), no FillFW rounds.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASTER_PATH } from '../master/lib/core/paths.js';
import { findProgram } from '../master/lib/core/runner.js';
import { numberArg, openNs, poolEntry, timed } from './common.js';

const ENTRIES = numberArg('entries', 1_000_000);
const FILES = numberArg('files', 10);
const ROUNDS = numberArg('rounds', 2);
const ADDS = numberArg('adds', 500);
const SMALL = numberArg('small', 20_000);
const SMALL_ADDS = numberArg('small-adds', 500);
const BURST = numberArg('burst', 5000);
const LIVE_ONLY = process.argv.includes('--live');
const PER = Math.floor(ENTRIES / FILES);

const entries = (set: number, round: number, per = PER): string[] => Array.from({ length: per }, (_, k) => poolEntry(set * per + k, round));

// A throwaway copy of the built tree for one backend.
function tree(backend: string, per = PER) {
  const base = mkdtempSync(join(tmpdir(), `watcher-bench-${backend}-`));
  const root = join(base, 'Watcher');
  mkdirSync(root);
  for (const p of ['package.json', 'master', 'dist']) cpSync(join(MASTER_PATH, p), join(root, p), { recursive: true });
  symlinkSync(join(MASTER_PATH, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'Loadfiles'));
  writeFileSync(join(root, 'loader.conf'), '');
  writeFileSync(join(root, 'watcher.conf'), `FIREWALL=${backend}\nMODULES=""\n`);
  for (let s = 0; s < FILES; s++) writeFileSync(join(root, 'Loadfiles', `Loadfile-src${s}`), entries(s, 0, per).map((e) => `add set${s} ${e}`).join('\n') + '\n');
  const env = { ...process.env, RUN_DIR: join(base, 'run'), FIFO_BASE: join(base, 'pipes'), LOG_DIR: join(base, 'log'), TOOLPATH: join(base, 'sbin') };
  return { base, root, env, remove: () => rmSync(base, { recursive: true, force: true }) };
}

// The same elements as one hand-written nft transaction, in the same layout (a hash set of
// addresses and one of /28 network addresses per source, see nft-names.ts). `sized`: each set
// declared with its number of elements as its size, as FillFW makes a large one.
function rawNft(sized = false): string {
  const out = ['add table inet raw'];
  for (let s = 0; s < FILES; s++) {
    const list = entries(s, 0);
    const size = (host: boolean) => (sized ? ` size ${list.filter((e) => e.includes('/') !== host).length};` : '');
    out.push(`add set inet raw s${s}/ip { type ipv4_addr;${size(true)} }`, `add set inet raw s${s}/ip/28 { type ipv4_addr;${size(false)} }`);
    out.push(`add element inet raw s${s}/ip { ${list.filter((e) => !e.includes('/')).join(', ')} }`);
    out.push(`add element inet raw s${s}/ip/28 { ${list.filter((e) => e.includes('/')).map((e) => e.slice(0, -3)).join(', ')} }`);
  }
  return out.join('\n') + '\n';
}

// The same elements in interval sets, as the nftables backend kept networks before (for reference:
// nft 1.0.6 reads such sets back before every add element).
function rawIntervalNft(): string {
  const out = ['add table inet raw'];
  for (let s = 0; s < FILES; s++) {
    const list = entries(s, 0);
    out.push(`add set inet raw s${s}/ip { type ipv4_addr; }`, `add set inet raw s${s}/net { type ipv4_addr; flags interval; }`);
    out.push(`add element inet raw s${s}/ip { ${list.filter((e) => !e.includes('/')).join(', ')} }`);
    out.push(`add element inet raw s${s}/net { ${list.filter((e) => e.includes('/')).join(', ')} }`);
  }
  return out.join('\n') + '\n';
}

// Run a command in the namespace under GNU time: wall seconds (printed) and CPU seconds (user+sys).
async function cpuTimed(ns: Awaited<ReturnType<typeof openNs>>, label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  let cpu = NaN;
  const wall = await timed(label, async () => {
    const r = await ns.run(TIME, ['-f', 'cpu %U %S', cmd, ...args], env);
    const m = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
    cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
  });
  console.log(`  ${''.padEnd(56)} cpu ${cpu.toFixed(2)} s`);
  return { wall, cpu };
}

const TIME = '/usr/bin/time';

// A module's single adds through the backend's channel, each awaited (add, sync): p50 and p99 in ms.
const LATENCY = (root: string, backend: string, n: number) => `
import { openFirewall } from '${root}/dist/master/lib/firewall/index.js';
const fw = openFirewall({ FIREWALL: '${backend}' });
await fw.ensure();
const ch = fw.channel(); const t = [];
for (let i = 0; i < ${n}; i++) { const t0 = performance.now(); ch.add('custody', '100.' + (64 + (i >> 16)) + '.' + ((i >> 8) & 255) + '.' + (i & 255)); await ch.sync(); t.push(performance.now() - t0); }
await ch.close(); t.sort((a, b) => a - b);
console.log(JSON.stringify({ p50: t[Math.floor(${n} * 0.5)], p99: t[Math.floor(${n} * 0.99)] }));`;

// A burst of n tarpit adds through the channel, then one sync: ms from the first add to the kernel.
const BURST_SCRIPT = (root: string, backend: string, n: number) => `
import { openFirewall } from '${root}/dist/master/lib/firewall/index.js';
const fw = openFirewall({ FIREWALL: '${backend}' });
await fw.ensure();
const ch = fw.channel(); const t0 = performance.now();
for (let i = 0; i < ${n}; i++) ch.add('tarpit', '100.' + (64 + (i >> 16)) + '.' + ((i >> 8) & 255) + '.' + (i & 255), 60 + (i % 600));
await ch.sync(); const ms = performance.now() - t0;
await ch.close();
console.log(JSON.stringify({ ms, listed: (await fw.list('tarpit')).length }));`;

// The burst in a fresh namespace under GNU time: wall ms to the kernel, CPU s of the whole run.
async function burst(root: string, backend: string, n: number): Promise<{ ms: number; cpu: number }> {
  const ns = await openNs();
  try {
    const r = await ns.run(TIME, ['-f', 'cpu %U %S', process.execPath, '--input-type=module', '-e', BURST_SCRIPT(root, backend, n)]);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ms: number; listed: number };
    if (out.listed !== n) throw new Error(`burst ${backend}: ${out.listed} of ${n} in the kernel`);
    const m = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
    return { ms: out.ms, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
  } finally { await ns.close(); }
}

// A fresh namespace, the tree's pool loaded, then `adds` single adds timed.
async function latency(t: ReturnType<typeof tree>, backend: string, adds: number): Promise<{ p50: number; p99: number }> {
  const ns = await openNs();
  try {
    await ns.run(process.execPath, [join(t.root, 'master/FillFW')], t.env);
    return JSON.parse((await ns.run(process.execPath, ['--input-type=module', '-e', LATENCY(t.root, backend, adds)])).stdout.trim());
  } finally { await ns.close(); }
}

async function main(): Promise<void> {
  const node = process.execPath;
  const nftTree = tree('nftables');
  const iptTree = tree('iptables');
  try {
    console.log(`${FILES} Loadfiles of ${PER} entries (${FILES * PER} CIDRs and addresses)`);
    const rawFile = join(nftTree.base, 'raw.nft');
    writeFileSync(rawFile, rawNft());
    const rawSizedFile = join(nftTree.base, 'raw-sized.nft');
    writeFileSync(rawSizedFile, rawNft(true));
    const rawIvFile = join(nftTree.base, 'raw-interval.nft');
    writeFileSync(rawIvFile, rawIntervalNft());
    if (!findProgram(TIME)) throw new Error(`${TIME} missing (Debian package time)`);
    if (LIVE_ONLY) { await live(nftTree, iptTree); return; }
    const fig = { raw: [] as { wall: number; cpu: number }[], rawsz: [] as { wall: number; cpu: number }[], rawiv: [] as { wall: number; cpu: number }[], nft: [] as { wall: number; cpu: number }[], ipt: [] as { wall: number; cpu: number }[] };
    for (let r = 0; r < ROUNDS; r++) {
      console.log(`Round ${r + 1}:`);
      for (const [k, label, cmd, args, env] of [
        ['raw', 'raw: nft -f raw.nft (hash set per prefix length)', 'nft', ['-f', rawFile], undefined],
        ['rawsz', 'raw: nft -f raw-sized.nft (the same, sets with a size)', 'nft', ['-f', rawSizedFile], undefined],
        ['rawiv', 'raw: nft -f raw-interval.nft (interval sets)', 'nft', ['-f', rawIvFile], undefined],
        ['nft', 'Watcher: master/FillFW, FIREWALL=nftables', node, [join(nftTree.root, 'master/FillFW')], nftTree.env],
        ['ipt', 'Watcher: master/FillFW, FIREWALL=iptables', node, [join(iptTree.root, 'master/FillFW')], iptTree.env],
      ] as const) {
        const ns = await openNs();
        fig[k].push(await cpuTimed(ns, label, cmd, [...args], env));
        await ns.close();
      }
    }
    console.log(`Reload of one changed ${PER}-entry set while ${FILES * PER} are loaded (nftables):`);
    const ns = await openNs();
    await ns.run(node, [join(nftTree.root, 'master/FillFW')], nftTree.env);
    writeFileSync(join(nftTree.root, 'Loadfiles', 'Loadfile-src3'), entries(3, 1).map((e) => `add set3 ${e}`).join('\n') + '\n');
    const reload = await timed('Watcher: master/watcher reload', () => ns.run(node, [join(nftTree.root, 'master/watcher'), 'reload'], nftTree.env));
    await ns.close();
    const best = (k: keyof typeof fig, m: 'wall' | 'cpu') => Math.min(...fig[k].map((x) => x[m]));
    const all = (k: keyof typeof fig, m: 'wall' | 'cpu') => fig[k].map((x) => x[m].toFixed(2)).join(' / ');
    console.log('');
    for (const m of ['wall', 'cpu'] as const) {
      console.log(`FillFW ${FILES * PER} entries (${m} s), nftables: ${all('nft', m)}   raw nft -f: ${all('raw', m)}   raw, sized sets: ${all('rawsz', m)}   raw, interval sets: ${all('rawiv', m)}   iptables backend: ${all('ipt', m)}`);
      console.log(`  ratio FillFW nftables / raw nft -f (best of each, ${m}): ${(best('nft', m) / best('raw', m)).toFixed(3)}   ${m === 'wall' ? '(target <= 1.15)' : '(FillFW\'s reading and checking of the lines is CPU the raw nft -f does not spend)'}`);
      console.log(`  ratio FillFW nftables / raw nft -f in sets with a size (best of each, ${m}): ${(best('nft', m) / best('rawsz', m)).toFixed(3)}`);
      console.log(`  ratio FillFW nftables / raw nft -f in interval sets (best of each, ${m}): ${(best('nft', m) / best('rawiv', m)).toFixed(3)}`);
      console.log(`  ratio FillFW nftables / FillFW iptables (best of each, ${m}): ${(best('nft', m) / best('ipt', m)).toFixed(3)}`);
    }
    console.log(`reload of one changed ${PER}-entry set with ${FILES * PER} loaded (nftables): ${reload.toFixed(3)} s`);
    await live(nftTree, iptTree);
  } finally {
    nftTree.remove();
    iptTree.remove();
  }
}

// The channel figures: single adds with the full pool and with a small one loaded, then a burst.
async function live(nftTree: ReturnType<typeof tree>, iptTree: ReturnType<typeof tree>): Promise<void> {
  console.log('Single adds of a module (add, then sync):');
  const lat: string[] = [];
  for (const [t, backend, adds, n] of [[nftTree, 'nftables', ADDS, FILES * PER], [iptTree, 'iptables', ADDS, FILES * PER], [tree('nftables', SMALL / FILES), 'nftables', SMALL_ADDS, SMALL], [tree('iptables', SMALL / FILES), 'iptables', SMALL_ADDS, SMALL]] as const) {
    const l = await latency(t, backend, adds);
    lat.push(`single add (add + sync) with ${n} loaded, ${backend}: p50 ${l.p50.toFixed(3)} ms, p99 ${l.p99.toFixed(3)} ms (${adds} adds)`);
    console.log(`  ${lat.at(-1)}`);
    if (t !== nftTree && t !== iptTree) t.remove();
  }
  for (const l of lat) console.log(l);
  console.log(`Burst of ${BURST} adds (one sync at the end), ${ROUNDS} rounds:`);
  const b: Record<string, { ms: number; cpu: number }[]> = { nftables: [], iptables: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [t, backend] of [[nftTree, 'nftables'], [iptTree, 'iptables']] as const) {
      b[backend].push(await burst(t.root, backend, BURST));
      console.log(`  ${backend}: ${b[backend].at(-1)!.ms.toFixed(0)} ms to the kernel, cpu ${b[backend].at(-1)!.cpu.toFixed(2)} s`);
    }
  }
  const min = (k: string, m: 'ms' | 'cpu') => Math.min(...b[k].map((x) => x[m]));
  console.log(`burst of ${BURST} adds: nftables ${min('nftables', 'ms').toFixed(0)} ms, cpu ${min('nftables', 'cpu').toFixed(2)} s; iptables ${min('iptables', 'ms').toFixed(0)} ms, cpu ${min('iptables', 'cpu').toFixed(2)} s; ratio nftables / iptables (min, cpu): ${(min('nftables', 'cpu') / min('iptables', 'cpu')).toFixed(2)}`);
}

await main();
