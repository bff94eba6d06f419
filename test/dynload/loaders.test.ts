// nixspam, geo, a copy of the list loader and the Template against a real provider on loopback,
// in a private network namespace: what the kernel's sets hold after start and Load.
import { cpSync, readFileSync, existsSync, renameSync, symlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, type Installation } from '../helpers/install.js';
import { requireTools, type Netns } from '../helpers/netns.js';
import { runInstalled, runMaster } from '../helpers/master.js';
import { makeDynloadSandbox, nets24, type ListServer } from '../helpers/lists.js';
import { BACKENDS, kernelChain, kernelEntries } from '../helpers/backends.js';

describe.each(BACKENDS)('dynloaders (%s)', (backend) => {
  let ns: Netns;
  let srv: ListServer;
  let inst: Installation;
  const load = (name: string, args: string[] = [], env: Record<string, string> = {}) => runInstalled(ns, inst, `dynload/${name}/Load`, args, env);
  // One family's entries of a set as the kernel lists them, sorted.
  const members = (set: string, family: 4 | 6 = 4): Promise<string[]> => kernelEntries(ns, backend, set, family);
  // A set Watcher made, with its DROP rule in Watcher's chain.
  const exists = async (set: string): Promise<boolean> => (await kernelChain(ns, backend)).includes(`drop ${set}`);
  const common = (): string => `CA_FILE=${srv.ca}\nMIN_INTERVAL=0\nTIMEOUT=5\n`;
  // NiXSpam's digest: `<unix time> <address>` a line, gzip.
  const digest = (addrs: string[]): Buffer => gzipSync(addrs.map((a, i) => `${1764633600 + i} ${a}`).join('\n') + '\n');
  const addrs = (n: number): string[] => Array.from({ length: n }, (_, i) => `81.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);

  beforeAll(async () => {
    ({ ns, srv, inst } = await makeDynloadSandbox('dynload/nixspam/Load\ndynload/geo/Load\n', backend));
    srv.put('nixspam-ip.dump.gz', digest(addrs(4000)));
    inst.write('dynload/nixspam/nixspam.conf', `URL=${srv.https}/nixspam-ip.dump.gz\n${common()}`);
    for (const z of ['cn', 'ru', 'kp']) {
      srv.put(`${z}-aggregated.zone`, nets24(100 + z.charCodeAt(0), 50 + z.charCodeAt(1) % 20).join('\n') + '\n');
      srv.put(`${z}6-aggregated.zone`, `2a0${z.charCodeAt(0) % 10}:${z.charCodeAt(1).toString(16)}::/32\n`);
    }
    inst.write('dynload/geo/geo.conf', `ZONES='cn ru kp'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL='${srv.https}/{zone}6-aggregated.zone'\n${common()}`);
    const r = await runMaster(ns, inst, 'watcher', ['start']);
    if (r.exitCode !== 0) throw new Error(`watcher start: exit ${r.exitCode}: ${r.stderr}`);
  });
  afterAll(async () => { await srv?.stop(); await ns?.destroy(); inst?.remove(); });

  describe('dynloader nixspam', () => {
    it('watcher start loads the digest into the set nixspam', async () => {
      expect(await members('nixspam')).toEqual(addrs(4000).sort());
    });

    it('a bad gzip is exit 65 and the set keeps its addresses', async () => {
      srv.put('nixspam-ip.dump.gz', Buffer.concat([digest(addrs(4000)).subarray(0, 500), Buffer.from('garbage')]));
      const r = await load('nixspam');
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toMatch(/bad gzip data/);
      expect(await members('nixspam')).toHaveLength(4000);
    });

    it('a plain text file where the digest should be is exit 65', async () => {
      srv.put('nixspam-ip.dump.gz', '1764633600 81.0.0.1\n');
      const r = await load('nixspam');
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toMatch(/not a gzip file/);
      expect(await members('nixspam')).toHaveLength(4000);
    });

    it('a new digest replaces the set in one swap', async () => {
      srv.put('nixspam-ip.dump.gz', digest(addrs(3000)));
      const r = await load('nixspam');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('nixspam')).toEqual(addrs(3000).sort());
    });
  });

  describe('dynloader geo', () => {
    it('one set a zone with its IPv4 and IPv6 networks, one Loadfile a zone', async () => {
      for (const z of ['cn', 'ru', 'kp']) {
        const v4 = readFileSync(join(srv.dir, `${z}-aggregated.zone`), 'utf8').split('\n').filter(Boolean).sort();
        expect(await members(`geo-${z}`)).toEqual(v4);
        expect(await members(`geo-${z}`, 6)).toEqual([readFileSync(join(srv.dir, `${z}6-aggregated.zone`), 'utf8').trim()]);
        expect(existsSync(join(inst.root, `Loadfiles/Loadfile-geo-${z}`))).toBe(true);
      }
    });

    it('a zone removed from ZONES loses its set at the next Load, the others stay', async () => {
      inst.write('dynload/geo/geo.conf', `ZONES='cn kp'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL='${srv.https}/{zone}6-aggregated.zone'\n${common()}`);
      const r = await load('geo');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Loadfile-geo-ru removed: no longer configured/);
      expect(await members('geo-ru')).toEqual([]);
      expect(await members('geo-ru', 6)).toEqual([]);
      expect(existsSync(join(inst.root, 'Loadfiles/Loadfile-geo-ru'))).toBe(false);
      expect((await members('geo-cn')).length).toBe(199);
    });

    it('a zone removed while the service starts loses its set too (the start loads no set no source names)', async () => {
      inst.write('dynload/geo/geo.conf', `ZONES='ru kp'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL='${srv.https}/{zone}6-aggregated.zone'\n${common()}`);
      const r = await runMaster(ns, inst, 'watcher', ['start']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('geo-cn')).toEqual([]);
      expect((await members('geo-ru')).length).toBe(214);
    });

    it('a zone whose download fails keeps its set; the others are loaded; exit 69', async () => {
      rmSync(join(srv.dir, 'kp-aggregated.zone'));
      srv.put('ru-aggregated.zone', nets24(150, 60).join('\n') + '\n');
      const kp = await members('geo-kp');
      const r = await load('geo');
      expect(r.exitCode).toBe(69);
      expect(r.stderr).toMatch(/kp-aggregated\.zone: HTTP 404.*the last good list \(\d+ entries\) stays/);
      expect(await members('geo-kp')).toEqual(kp);
      expect(await members('geo-ru')).toEqual(nets24(150, 60).sort());
    });

    it('a provider that cannot be reached is tried once a connection, not once a zone: 8 tries for 20 zone files', async () => {
      await ns.ok('iptables', ['-w', '-A', 'INPUT', '-p', 'tcp', '--dport', '8999', '-j', 'DROP']);
      const zones = ['cn', 'ru', 'kp', 'by', 'er', 'ir', 'sy', 'cu', 've', 'mm'];
      inst.write('dynload/geo/geo.conf', `ZONES='${zones.join(' ')}'\nV4_URL='https://127.0.0.1:8999/{zone}-aggregated.zone'\nV6_URL='https://127.0.0.1:8999/{zone}6-aggregated.zone'\n${common()}CONNECT_TIMEOUT=1\n`);
      const sets = await Promise.all(['geo-ru', 'geo-kp'].map((s) => members(s)));
      const r = await load('geo');
      expect(r.exitCode).toBe(69);
      expect(r.stderr.match(/no connection within 1000 ms/g)).toHaveLength(8);
      expect(r.stderr.match(/not tried: 127\.0\.0\.1:8999 could not be reached earlier in this run/g)).toHaveLength(12);
      expect(await Promise.all(['geo-ru', 'geo-kp'].map((s) => members(s)))).toEqual(sets);
    });

    it('a zone that is no country code is exit 78 naming geo.conf:line', async () => {
      inst.write('dynload/geo/geo.conf', `ZONES='cn r-u'\n`);
      const r = await load('geo');
      expect(r.exitCode).toBe(78);
      expect(r.stderr).toMatch(/geo\.conf:1: ZONES="cn r-u": "r-u" is not a two-letter country code/);
    });

    it('a zone whose lists are in is loaded while another is still downloading, and the lock is not held for the slow one', async () => {
      const cn = nets24(150, 70);
      srv.put('cn-aggregated.zone', cn.join('\n') + '\n');
      srv.put('ir-aggregated.zone', nets24(30, 80).join('\n') + '\n');
      rmSync(join(srv.dir, 'ir6-aggregated.zone'), { force: true });
      // The server answers /wait/ir6-... only once the test has written that file.
      inst.write('dynload/geo/geo.conf', `ZONES='cn ir'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL='${srv.https}/wait/{zone}6-aggregated.zone'\n${common()}TIMEOUT=120\n`);
      let ended = false;
      const running = load('geo').finally(() => { ended = true; });
      // geo-cn's new networks reach the kernel while ir6 is held (a reload ended with what it had).
      const swapped = async (): Promise<boolean> => (await members('geo-cn')).join() === [...cn].sort().join();
      for (const until = Date.now() + 40_000; !(await swapped()) && !ended && Date.now() < until;) await new Promise((ok) => setTimeout(ok, 200));
      const early = await swapped();
      // The master's lock is free meanwhile: a watcher reload runs and ends.
      const other = early && !ended ? await runMaster(ns, inst, 'watcher', ['reload']) : undefined;
      const stillRunning = !ended;
      srv.put('ir6-aggregated.zone', '2a0e:2::/32\n');
      const r = await running;
      expect(early, 'geo-cn loaded while ir6 was held').toBe(true);
      expect(stillRunning).toBe(true);
      expect(other?.exitCode, other?.stderr).toBe(0);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/loaded by one more reload/);
      expect(await members('geo-cn')).toEqual([...cn].sort());
      expect(await members('geo-ir')).toEqual(nets24(30, 80).sort());
      expect(await members('geo-ir', 6)).toEqual(['2a0e:2::/32']);
    }, 120_000);

    it("the seeds' geo.conf with WGET carries over: WGET is ignored and said so", async () => {
      inst.write('dynload/geo/geo.conf', `# - geo.conf -\nZONES='ru'\n\nWGET='wget -q --no-check-certificate'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL=''\n${common()}`);
      const r = await load('geo');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/WGET is ignored/);
    });
  });

  describe('two dynloaders at the same time', () => {
    it('both reload, one after the other (the master\'s lock), and both sets are what their lists say', async () => {
      srv.put('nixspam-ip.dump.gz', digest(addrs(3500)));
      srv.put('ru-aggregated.zone', nets24(170, 60).join('\n') + '\n');
      inst.write('dynload/geo/geo.conf', `ZONES='ru'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL=''\n${common()}`);
      const [a, b] = await Promise.all([load('nixspam'), load('geo')]);
      expect([a.exitCode, b.exitCode], a.stderr + b.stderr).toEqual([0, 0]);
      for (const r of [a, b]) expect(r.stdout).toMatch(/Loading firewall/);
      expect(await members('nixspam')).toEqual(addrs(3500).sort());
      expect(await members('geo-ru')).toEqual(nets24(170, 60).sort());
    });
  });

  describe('the list loader, copied under another name', () => {
    const copy = (name: string): void => {
      cpSync(join(inst.root, 'dynload/list'), join(inst.root, `dynload/${name}`), { recursive: true, verbatimSymlinks: true });
      renameSync(join(inst.root, `dynload/${name}/list`), join(inst.root, `dynload/${name}/${name}`));
      renameSync(join(inst.root, `dynload/${name}/list.conf-sample`), join(inst.root, `dynload/${name}/${name}.conf`));
      rmSync(join(inst.root, `dynload/${name}/Load`));
      symlinkSync(name, join(inst.root, `dynload/${name}/Load`));
    };

    it('a CSV column into the set of its name, through the https proxy of the environment', async () => {
      copy('badhosts');
      srv.put('hosts.csv', `address,first_seen,reason\n${addrs(50).map((a, i) => `"${a}",2025-12-0${1 + (i % 9)},scanner`).join('\n')}\n2001:db8::1,2025-12-01,docs\n`);
      inst.write('dynload/badhosts/badhosts.conf', `URL=${srv.https}/hosts.csv\nFORMAT=csv\nCSV_HEADER=yes\nCOMMENT='badhosts feed'\n${common()}`);
      const before = srv.proxied().length;
      const r = await load('badhosts', [], { https_proxy: srv.proxy });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(srv.proxied().slice(before)).toEqual([`CONNECT 127.0.0.1:${new URL(srv.https).port}`]);
      expect(await members('badhosts')).toEqual(addrs(50).map((a) => `${a} comment "badhosts feed"`).sort());
      expect(r.stdout).toMatch(/left out: 1 in reserved ranges/);
      expect(readFileSync(join(inst.root, 'Loadfiles/Loadfile-badhosts'), 'utf8')).toMatch(/^# Loadfile-badhosts: dynloader badhosts from https:/);
    });

    it('networks wider than WIDEST_V4 / WIDEST_V6 are left out and counted; a change of them checks the kept list again', async () => {
      copy('wide');
      srv.put('wide.txt', `32.0.0.0/3\n${nets24(3, 90).join('\n')}\n12.0.0.0/8\n44.0.0.0/7\n2a00::/11\n2a0b:4340::/32\n`);
      inst.write('dynload/wide/wide.conf', `URL=${srv.https}/wide.txt\n${common()}`);
      let r = await load('wide');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/wide: 5 entries from \S+ \(fresh\); left out: 3 wider than WIDEST_V4 or WIDEST_V6 \(line 1: "32\.0\.0\.0\/3" is wider than \/8 \(WIDEST_V4\); line 6: "44\.0\.0\.0\/7" is wider than \/8 \(WIDEST_V4\); line 7: "2a00::\/11" is wider than \/16 \(WIDEST_V6\)\)/);
      expect(await members('wide')).toEqual(['12.0.0.0/8', ...nets24(3, 90)].sort());
      expect(await members('wide', 6)).toEqual(['2a0b:4340::/32']);
      // Not downloaded again (MIN_INTERVAL): the kept copy is checked against the new widths.
      inst.write('dynload/wide/wide.conf', `URL=${srv.https}/wide.txt\nCA_FILE=${srv.ca}\nTIMEOUT=5\nMIN_INTERVAL=3600\nWIDEST_V4=7\n`);
      r = await load('wide');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('wide')).toEqual(['12.0.0.0/8', '44.0.0.0/7', ...nets24(3, 90)].sort());
    });

    it('its log is rotated by the shipped logrotate-sample; the next run writes a new one, 0600', async () => {
      requireTools(['logrotate']);
      copy('rotated');
      srv.put('rotated.txt', `${nets24(4, 91).join('\n')}\n`);
      inst.write('dynload/rotated/rotated.conf', `URL=${srv.https}/rotated.txt\n${common()}`);
      expect((await load('rotated')).exitCode).toBe(0);
      const log = join(inst.logDir, 'dynload-rotated.log');
      const conf = join(inst.root, 'logrotate.conf');
      writeFileSync(conf, readFileSync(join(REPO, 'logrotate-sample'), 'utf8').replaceAll('/var/log/', `${inst.logDir}/`).replaceAll('/run/watcher/', `${inst.runDir}/`));
      const r = await execa('logrotate', ['-f', '-s', join(inst.root, 'logrotate.state'), conf], { reject: false });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(readFileSync(`${log}.1`, 'utf8')).toMatch(/rotated: 4 entries from/);
      srv.put('rotated.txt', `${nets24(5, 91).join('\n')}\n`);
      expect((await load('rotated')).exitCode).toBe(0);
      expect(readFileSync(log, 'utf8')).toMatch(/rotated: 5 entries from/);
      expect(statSync(log).mode & 0o777).toBe(0o600);
    });

    it('CIDR ; comment lines, a set named in the conf, fewer than MIN_ENTRIES refused', async () => {
      copy('drop2');
      srv.put('drop2.txt', `; a list\n${nets24(20, 90).map((n, i) => `${n} ; case ${i}`).join('\n')}\n2a0b:4340::/32 ; case v6\n`);
      inst.write('dynload/drop2/drop2.conf', `URL=${srv.https}/drop2.txt\nFORMAT=cidr-comment\nSET=partners_drop\nMIN_ENTRIES=10\n${common()}`);
      let r = await load('drop2');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('partners_drop')).toContain('90.0.3.0/24 comment "case 3"');
      expect(await members('partners_drop', 6)).toEqual(['2a0b:4340::/32 comment "case v6"']);
      srv.put('drop2.txt', `${nets24(5, 90).join('\n')}\n`);
      r = await load('drop2');
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toMatch(/5 entries, fewer than MIN_ENTRIES=10/);
      expect(await members('partners_drop')).toHaveLength(20);
      r = await load('drop2', ['--force']);
      expect(r.exitCode).toBe(65);
      inst.write('dynload/drop2/drop2.conf', `URL=${srv.https}/drop2.txt\nFORMAT=cidr-comment\nSET=partners_drop\nMIN_ENTRIES=1\n${common()}`);
      r = await load('drop2');
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toMatch(/suspiciously short: 5 entries, the last good list had 21/);
      r = await load('drop2', ['--force']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('partners_drop')).toEqual(nets24(5, 90).sort());
      expect(await members('partners_drop', 6)).toEqual([]);
    });

    // The progress line is the download's, not the kernel's (--no-reload): on one backend.
    if (backend === 'iptables') it('shows a progress line on a terminal while a long list comes in, and none in a pipe', async () => {
      srv.put('hosts.csv', `address\n${addrs(200_000).join(',x\n')},x\n`);
      inst.write('dynload/badhosts/badhosts.conf', `URL=${srv.http}/hosts.csv\nFORMAT=csv\nCSV_HEADER=yes\n${common()}`);
      const r = await ns.exec('script', ['-qec', `${process.execPath} ${join(inst.root, 'dynload/badhosts/Load')} --no-reload`, '/dev/null'], { env: { ...process.env, ...inst.env } });
      expect(r.exitCode, String(r.stdout)).toBe(0);
      expect(String(r.stdout)).toMatch(/\r\x1b\[Khttp:\/\/127\.0\.0\.1:\d+\/hosts\.csv: \d+\.\d of \d+\.\d MiB/);
      expect(String(r.stdout)).toMatch(/badhosts: 200000 entries from/);
      srv.put('hosts.csv', `address\n${addrs(190_000).join(',x\n')},x\n`);
      const piped = await load('badhosts', ['--no-reload']);
      expect(piped.exitCode, piped.stderr).toBe(0);
      expect(piped.stderr).not.toMatch(/MiB/);
    });

    it('the shipped list.conf without URL is exit 78', async () => {
      const r = await load('list');
      expect(r.exitCode).toBe(78);
      expect(r.stderr).toMatch(/list\.conf:\d+: URL="": no list to load: set URL/);
    });
  });

  describe('Template', () => {
    it('extracts its own format into the set of its conf; a body not in that format keeps the last good list', async () => {
      srv.put('template.txt', `% template list\n% address|reason|date\n${addrs(30).map((a) => `${a}|brute force|2025-12-01`).join('\n')}\n`);
      inst.write('dynload/Template/Template.conf', `URL=${srv.https}/template.txt\nSET=template\n${common()}`);
      let r = await load('Template');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await members('template')).toEqual(addrs(30).map((a) => `${a} comment "brute force"`).sort());
      srv.put('template.txt', 'Service temporarily unavailable\n');
      r = await load('Template');
      expect(r.exitCode).toBe(65);
      expect(r.stderr).toMatch(/the first line is not "% template list"/);
      expect(await members('template')).toHaveLength(30);
    });
  });

  describe('ownership', () => {
    it('sets of every dynloader are Watcher\'s (registered)', async () => {
      for (const s of ['nixspam', 'geo-kp', 'badhosts', 'template']) expect(await exists(s)).toBe(true);
      // ipset records them in its registry set; nftables keeps every set in Watcher's own table.
      if (backend === 'iptables') expect(await members('watcher-sets')).toEqual(expect.arrayContaining(['nixspam', 'geo-kp', 'badhosts', 'template']));
    });
  });
});

// ipset only: a set of another program cannot be named like a zone in Watcher's nftables table.
describe('dynloader geo beside an ipset of another program named like a zone (iptables)', () => {
  let ns: Netns;
  let srv: ListServer;
  let inst: Installation;
  beforeAll(async () => { ({ ns, srv, inst } = await makeDynloadSandbox('', 'iptables')); });
  afterAll(async () => { await srv?.stop(); await ns?.destroy(); inst?.remove(); });

  it('the other zones load; that set is refused, never touched and gets no rule', async () => {
    await ns.ok('ipset', ['create', 'geo-ru', 'hash:net']);
    await ns.ok('ipset', ['add', 'geo-ru', '10.9.9.0/24']);
    expect((await runMaster(ns, inst, 'watcher', ['start'])).exitCode).toBe(0);
    for (const z of ['cn', 'ru']) srv.put(`${z}-aggregated.zone`, nets24(100 + z.charCodeAt(0)).join('\n') + '\n');
    inst.write('dynload/geo/geo.conf', `ZONES='cn ru'\nV4_URL='${srv.https}/{zone}-aggregated.zone'\nV6_URL=''\nCA_FILE=${srv.ca}\nMIN_INTERVAL=0\n`);
    const r = await runInstalled(ns, inst, 'dynload/geo/Load');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Loadfile-geo-ru:2: set 'geo-ru' is not Watcher's \(an ipset of another program, or one Watcher keeps for itself\): refused/);
    expect(await kernelEntries(ns, 'iptables', 'geo-cn', 4)).toEqual(nets24(199).sort());
    expect(await kernelEntries(ns, 'iptables', 'geo-ru', 4)).toEqual(['10.9.9.0/24']);
    expect(await kernelChain(ns, 'iptables')).toContain('drop geo-cn');
    expect(await kernelChain(ns, 'iptables')).not.toContain('drop geo-ru');
  });
});
