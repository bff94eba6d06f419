// FIREWALL=nftables: FillFW's transaction is parsed by nft while the Loadfiles are still being
// read. nft 1.0.6 reads `nft -f -` (and /dev/stdin) whole before it parses a line, so node's
// reading and nft's parsing of 1M entries came one after the other; fed through a FIFO, nft
// parses as the text comes. What is checked: nft's own CPU time while the load's input is still
// open (none when it only buffers), then the whole load in the kernel once it is finished.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from '../helpers/netns.js';
import { runJson } from '../helpers/script.js';
import { requireBackend } from '../helpers/backends.js';

const ENTRIES = 300_000;

describe('nftables: a batch load streamed to nft', () => {
  let ns: Netns;
  let dir: string;
  beforeEach(async () => {
    requireBackend('nftables');
    ns = await Netns.create();
    dir = mkdtempSync(join(tmpdir(), 'watcher-nftstream-'));
  });
  afterEach(async () => {
    await ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nft parses the entries before the input ends, and the load commits whole', async () => {
    const flushload = join(dir, 'Flushload');
    const r = await runJson<{ ticks: number; before: number; after: number }>(ns, `
      import { openFirewall } from '$dist/master/lib/firewall/index.js';
      import { readdirSync, readFileSync } from 'node:fs';
      const fw = openFirewall({ FIREWALL: 'nftables' });
      await fw.ensure();
      const loader = fw.loader(${JSON.stringify(flushload)});
      for (let i = 0; i < ${ENTRIES}; i++) loader.add({ set: 'blacklist', net: '10.' + (i >> 16) + '.' + ((i >> 8) & 255) + '.' + (i & 255), family: 4 });
      await loader.drain();
      // The loader's nft: a child of this process; its user+sys clock ticks from /proc.
      const stats = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).map((p) => { try { return readFileSync('/proc/' + p + '/stat', 'utf8'); } catch { return ''; } });
      const nft = () => stats().filter((s) => s.includes(' (nft) ')).map((s) => s.slice(s.lastIndexOf(')') + 2).split(' ')).find((f) => f[1] === String(process.pid));
      const ticks = () => { const f = nft(); return f ? Number(f[11]) + Number(f[12]) : -1; };
      let t = ticks();
      const until = Date.now() + 90_000;
      while (t < 15 && t >= 0 && Date.now() < until) { await new Promise((ok) => setTimeout(ok, 100)); t = ticks(); }
      const before = (await fw.counts()).get('blacklist') ?? 0;
      await loader.finish();
      console.log(JSON.stringify({ ticks: t, before, after: (await fw.counts()).get('blacklist') ?? 0 }));`);
    // 300k addresses cost nft about 0.45 s of CPU to parse: at least 0.15 s of it before the end of its input.
    expect(r.ticks).toBeGreaterThanOrEqual(15);
    // One transaction: nothing in the kernel until the load is finished, then all of it.
    expect(r.before).toBe(0);
    expect(r.after).toBe(ENTRIES);
    // The FIFO is gone with the load; the Flushload stays for tracing (0600).
    expect(existsSync(`${flushload}.pipe`)).toBe(false);
    expect(existsSync(flushload)).toBe(true);
  });
});
