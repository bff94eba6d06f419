// What the channel's nft asks the kernel: an `nft` first on PATH that runs the real one with
// --debug=mnl for `nft -i`, and the netlink requests counted from its log.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram } from '../../master/lib/core/runner.js';

/** nfnetlink message types: a transaction's begin, (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_*) an element dump, add, delete. */
export const BATCH_BEGIN = 16;
export const GETSETELEM = 10 * 256 + 13;
export const NEWSETELEM = 10 * 256 + 12;
export const DELSETELEM = 10 * 256 + 14;

/**
 * An `nft` in `dir`: `nft -i` (the channel) runs the real one with --debug=mnl, its stdout (the
 * netlink requests; the channel reads none of it) appended to `log`; every other call runs unchanged.
 */
export function wrapNft(dir: string, log: string): void {
  const real = findProgram('nft', '');
  if (!real) throw new Error('real component missing: nft (install nftables)');
  writeFileSync(join(dir, 'nft'), `#!${process.execPath}
const { spawn } = require('node:child_process');
const { openSync } = require('node:fs');
const args = process.argv.slice(2);
const channel = args.includes('-i');
const child = spawn(${JSON.stringify(real)}, channel ? ['--debug=mnl', ...args] : args, { stdio: ['inherit', channel ? openSync(${JSON.stringify(log)}, 'a') : 'inherit', 'inherit'] });
child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
`);
  chmodSync(join(dir, 'nft'), 0o755);
}

/** The netlink request types in an `nft --debug=mnl` log, each with how often it was sent. */
export function requests(log: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of readFileSync(log, 'utf8').matchAll(/^\|\s+(\d{5}) \| [A-Z-]{4} \|/gm)) out.set(Number(m[1]), (out.get(Number(m[1])) ?? 0) + 1);
  return out;
}

/**
 * An `nft` in `dir` whose `nft -i` (the channel) reads nothing until the file `gate` exists (at
 * most 60 s): a channel that does not answer. Every other call runs the real nft unchanged.
 */
export function gateNft(dir: string, gate: string): void {
  const real = findProgram('nft', '');
  if (!real) throw new Error('real component missing: nft (install nftables)');
  writeFileSync(join(dir, 'nft'), `#!${process.execPath}
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const args = process.argv.slice(2);
const channel = args.includes('-i');
const child = spawn(${JSON.stringify(real)}, args, { stdio: [channel ? 'pipe' : 'inherit', 'inherit', 'inherit'] });
child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
if (channel) {
  const t0 = Date.now();
  const open = () => { if (existsSync(${JSON.stringify(gate)}) || Date.now() - t0 > 60000) process.stdin.pipe(child.stdin); else setTimeout(open, 50); };
  open();
}
`);
  chmodSync(join(dir, 'nft'), 0o755);
}
