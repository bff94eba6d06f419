// The spamhaus dynloader against a real HTTPS provider on loopback, in a private network
// namespace: kernel set contents after start and Load, the last good list kept on every failure.
import { readFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Installation } from '../helpers/install.js';
import type { Netns } from '../helpers/netns.js';
import { runInstalled, runMaster } from '../helpers/master.js';
import { makeDynloadSandbox, nets24, spamhausJson, spamhausText, type ListServer } from '../helpers/lists.js';
import { BACKENDS, kernelEntries } from '../helpers/backends.js';

const V4: [string, string][] = nets24(300).map((n, i) => [n, `SBL${100000 + i}`]);
const V6: [string, string][] = [['2a06:e480::/29', 'SBL300001'], ['2a0d:8d00::/32', 'SBL300002']];
// Left out: a reserved range, one covering loopback, the whitelisted network, a /0, garbage.
const HOSTILE: [string, string][] = [['10.0.0.0/8', 'SBL1'], ['0.0.0.0/1', 'SBL2'], ['46.1.2.0/24', 'SBL3'], ['0.0.0.0/0', 'SBL4'], ['not-an-address', 'SBL5']];

describe.each(BACKENDS)('the spamhaus dynloader (%s)', (backend) => {
  let ns: Netns;
  let srv: ListServer;
  let inst: Installation;
  const load = (args: string[] = [], env: Record<string, string> = {}) => runInstalled(ns, inst, 'dynload/spamhaus/Load', args, env);
  // One family's entries of a set as the kernel lists them, sorted.
  const members = (set: string, family: 4 | 6 = 4): Promise<string[]> => kernelEntries(ns, backend, set, family);
  const loadfile = (): string => readFileSync(join(inst.root, 'Loadfiles/Loadfile-spamhaus'), 'utf8');
  const conf = (extra = ''): void => { inst.write('dynload/spamhaus/spamhaus.conf', `JSON_URLS='${srv.https}/drop_v4.json ${srv.https}/drop_v6.json'\nTEXT_URLS='${srv.https}/drop.txt ${srv.https}/dropv6.txt'\nCA_FILE=${srv.ca}\nTIMEOUT=3\n${extra}`); };

  beforeAll(async () => {
    ({ ns, srv, inst } = await makeDynloadSandbox('dynload/spamhaus/Load\n', backend));
    inst.write('whitelist', '46.1.0.0/16\n');
    srv.put('drop_v4.json', spamhausJson([...V4, ...HOSTILE]));
    srv.put('drop_v6.json', spamhausJson(V6));
    conf();
  });
  afterAll(async () => { await srv?.stop(); await ns?.destroy(); inst?.remove(); });

  describe('dynloader spamhaus', () => {
    it('watcher start loads DROP into hijackers with the SBL ids as comments, the hostile entries left out and counted', async () => {
      const r = await runMaster(ns, inst, 'watcher', ['start']);
      expect(r.exitCode, r.stderr).toBe(0);
      const want = [...V4, ...V6].map(([n, s]) => `${n} comment "${s}"`).sort();
      expect([...await members('hijackers'), ...await members('hijackers', 6)].sort()).toEqual(want);
      const log = readFileSync(join(inst.logDir, 'dynload-spamhaus.log'), 'utf8');
      expect(log).toMatch(/hijackers: 300 entries from https:\/\/127\.0\.0\.1:\d+\/drop_v4\.json \(fresh\); left out: 2 invalid, 1 wider than WIDEST_V4 or WIDEST_V6, 1 overlapping the whitelist, own addresses or loopback, 1 in reserved ranges/);
      expect(log).toMatch(/a watcher start runs this Load/);
      expect(statSync(join(inst.root, 'Loadfiles/Loadfile-spamhaus')).mode & 0o777).toBe(0o600);
    });

    it('a Load within the hour reuses the last download and says so: no request, no reload', async () => {
      const before = srv.requests().length;
      const r = await load();
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/2 downloads of less than MIN_INTERVAL=3600 s ago reused, no request: https:\/\/127\.0\.0\.1:\d+\/drop_v4\.json https:/);
      expect(r.stdout).toMatch(/no Loadfile changed: no reload/);
      expect(srv.requests().length).toBe(before);
    });

    it('an unchanged list costs one conditional request and no reload', async () => {
      conf('MIN_INTERVAL=0\n');
      const before = srv.requests().length;
      const r = await load();
      expect(r.exitCode, r.stderr).toBe(0);
      const seen = srv.requests().slice(before);
      expect(seen).toHaveLength(2);
      for (const l of seen) expect(l).toMatch(/inm="[0-9a-f]{40}"/);
      expect(r.stdout).toMatch(/2 lists unchanged \(304\): https:/);
      expect(r.stdout).toMatch(/no Loadfile changed: no reload/);
      expect(r.stdout).not.toMatch(/Loading firewall/);
    });

    it('a changed list is written and reloaded', async () => {
      srv.put('drop_v4.json', spamhausJson([...V4.slice(0, 250), ['47.0.0.0/24', 'SBL999']]));
      const r = await load();
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Loading firewall/);
      const set = await members('hijackers');
      expect(set).toHaveLength(251);
      expect(set).toContain('47.0.0.0/24 comment "SBL999"');
    });

    const bad: [string, () => void, number, RegExp][] = [
      ['an HTML error page', () => srv.put('drop_v4.json', '<!DOCTYPE html><html><body>rate limited</body></html>\n'), 65, /an HTML page/],
      ['an empty file', () => srv.put('drop_v4.json', ''), 65, /no metadata line/],
      ['a record count that does not match the metadata', () => srv.put('drop_v4.json', spamhausJson(V4.slice(0, 250), 400)), 65, /metadata says 400 records, the file holds 250/],
      ['a list a tenth of the last size', () => srv.put('drop_v4.json', spamhausJson(V4.slice(0, 25))), 65, /suspiciously short: 25 entries, the last good list had 251 \(MIN_SHARE=50%/],
      ['a 404', () => undefined, 69, /HTTP 404/],
      ['a 500', () => undefined, 69, /HTTP 500/],
      ['a stall past the timeout', () => undefined, 69, /not finished within 3000 ms/],
      ['a connection cut in the middle', () => undefined, 69, /connection cut|truncated/],
    ];
    const urls: Record<string, string> = { 'a 404': '/missing.json', 'a 500': '/status/500', 'a stall past the timeout': '/stall/good.json', 'a connection cut in the middle': '/cut/good.json' };
    for (const [what, make, code, why] of bad) {
      it(`${what}: exit ${code} with the reason, the Loadfile and the set stay as they were`, async () => {
        srv.put('good.json', spamhausJson([...V4.slice(0, 250), ['47.0.0.0/24', 'SBL999']]));
        srv.put('drop_v4.json', spamhausJson([...V4.slice(0, 250), ['47.0.0.0/24', 'SBL999']]));
        make();
        conf(`MIN_INTERVAL=0\n${urls[what] ? `JSON_URLS='${srv.https}${urls[what]} ${srv.https}/drop_v6.json'\n` : ''}`);
        const file = loadfile();
        const set = await members('hijackers');
        const r = await load();
        expect(r.exitCode, r.stderr).toBe(code);
        expect(r.stderr).toMatch(why);
        expect(r.stderr).toMatch(/the last good list \(251 entries\) stays|no good list kept/);
        expect(loadfile()).toBe(file);
        expect(await members('hijackers')).toEqual(set);
        expect(readFileSync(join(inst.logDir, 'dynload-spamhaus.log'), 'utf8')).toContain(why.source.replace(/\\/g, '').slice(0, 12));
      });
    }

    it('a provider whose packets vanish (no SYN answered) ends at CONNECT_TIMEOUT: exit 69, Loadfile and set stay', async () => {
      const file = loadfile();
      await ns.ok('iptables', ['-w', '-A', 'INPUT', '-p', 'tcp', '--dport', '8999', '-j', 'DROP']);
      conf(`MIN_INTERVAL=0\nCONNECT_TIMEOUT=1\nJSON_URLS='https://127.0.0.1:8999/drop_v4.json ${srv.https}/drop_v6.json'\n`);
      const set = await members('hijackers');
      const t0 = Date.now();
      const r = await load();
      expect(r.exitCode).toBe(69);
      expect(r.stderr).toMatch(/https:\/\/127\.0\.0\.1:8999\/drop_v4\.json: no connection within 1000 ms; no good list kept: its Loadfile stays as it is/); // a new URL: nothing of it kept
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(loadfile()).toBe(file);
      expect(await members('hijackers')).toEqual(set);
    });

    it('TLS is verified: the test CA through NODE_EXTRA_CA_CERTS works, no CA at all is exit 69', async () => {
      inst.write('dynload/spamhaus/spamhaus.conf', `JSON_URLS='${srv.https}/drop_v4.json ${srv.https}/drop_v6.json'\nMIN_INTERVAL=0\n`);
      srv.put('drop_v4.json', spamhausJson(V4.slice(0, 240)));
      let r = await load([], { NODE_EXTRA_CA_CERTS: srv.ca });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('hijackers')).toHaveLength(240);
      srv.put('drop_v4.json', spamhausJson(V4.slice(0, 230)));
      r = await load();
      expect(r.exitCode).toBe(69);
      expect(r.stderr).toMatch(/drop_v4\.json: .*(self[- ]signed|unable to verify|certificate)/i);
      expect(await members('hijackers')).toHaveLength(240);
    });

    it('with its state and kept copies lost, a list a tenth of the Loadfile in the pool is still refused', async () => {
      conf('MIN_INTERVAL=0\n');
      srv.put('drop_v4.json', spamhausJson(V4.slice(0, 20)));
      for (const f of ['spamhaus.state', 'spamhaus.cache']) rmSync(join(inst.root, 'dynload/spamhaus', f), { force: true });
      const file = loadfile();
      const set = await members('hijackers');
      const r = await load();
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toMatch(/Loadfile-spamhaus: 22 entries would replace 242 \(MIN_SHARE=50%; Load --force takes it\): suspiciously short, it stays as it is/);
      expect(loadfile()).toBe(file);
      expect(await members('hijackers')).toEqual(set);
    });

    it('FORMAT=text reads the legacy list (CIDR ; SBLnnn)', async () => {
      srv.put('drop.txt', spamhausText(V4.slice(0, 200)));
      srv.put('dropv6.txt', spamhausText(V6));
      conf('MIN_INTERVAL=0\nFORMAT=text\n');
      const r = await load();
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await members('hijackers')).length).toBe(200);
      expect(await members('hijackers')).toContain(`${V4[7][0]} comment "${V4[7][1]}"`);
      expect(await members('hijackers', 6)).toHaveLength(2);
    });

    it('a typo in spamhaus.conf is exit 78 naming file, line and value; nothing is fetched', async () => {
      const before = srv.requests().length;
      conf('FORMAT=jsno\n');
      let r = await load();
      expect(r.exitCode).toBe(78);
      expect(r.stderr).toMatch(/spamhaus\.conf:5: FORMAT="jsno": must be one of json, text/);
      conf('SET=hijackers-v6\n');
      r = await load();
      expect(r.exitCode).toBe(78);
      expect(r.stderr).toMatch(/spamhaus\.conf:5: SET="hijackers-v6": "hijackers-v6" is not a set name/);
      expect(srv.requests().length).toBe(before);
      expect(existsSync(join(inst.root, 'Loadfiles/Loadfile-spamhaus'))).toBe(true);
    });
  });
});
