// WatchLG's tools for real in a sandbox: Prep, LGinjector, Load, Expire, freeme, Refresh.
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { TRUEHOST, TRUEHOST6, NXDOMAIN } from '../../helpers/dns.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { BACKENDS, kernelAdd } from '../../helpers/backends.js';

describe.each(BACKENDS)('WatchLG tools (%s)', (backend) => {
  let sb: Sandbox;
  beforeAll(async () => { sb = await makeSandbox('TRACE=\nGEOTRACK=\nTIME_SLICE=60', { backend }); });
  afterAll(async () => { await sb?.close(); });

  it('Prep creates the database from Schema; a second run changes nothing', async () => {
    const a = await sb.run('modules/WatchLG/Prep');
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.stdout).toContain('WatchLG.db: created from Schema');
    const b = await sb.run('modules/WatchLG/Prep');
    expect(b.stdout).toContain('WatchLG.db: exists, 0 addresses');
    const db = new Database(join(sb.inst.root, 'modules/WatchLG/WatchLG.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('LGinjector counts an affair by hand, with the penalty, through the TOOLPATH link', async () => {
    symlinkSync(join(sb.inst.root, 'modules/WatchLG/LGinjector'), join(sb.inst.toolPath, 'LGinjector'));
    const r = await sb.ns.exec(process.execPath, [join(sb.inst.toolPath, 'LGinjector'), TRUEHOST.address, '3'], { env: { ...process.env, ...sb.inst.env } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain(`[inject] TRUEHOST ${TRUEHOST.address} 'Initial 3/5, Penalty: 3, tarpit 480 s'`);
    expect(sb.row(TRUEHOST.address)).toMatchObject({ affairs: 3, rule: 'LGinjector', status: 'INITIAL' });
    const d = await sb.run('modules/WatchLG/LGinjector', [NXDOMAIN.address]);
    const e = await sb.run('modules/WatchLG/LGinjector', [NXDOMAIN.address]);
    expect(d.stdout + e.stdout).toContain(`NXDOMAIN ${NXDOMAIN.address} 'DROP 5/5'`);
    expect([...(await sb.members('custody')).keys()]).toEqual([NXDOMAIN.address]);
    const bad = await sb.run('modules/WatchLG/LGinjector', ['1.2.3']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain('LGinjector: not an IPv4 or IPv6 address: "1.2.3"');
  });

  it('Load writes custody lines for DROP rows and tarpit lines with the time left', async () => {
    const r = await sb.run('modules/WatchLG/Load');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^LoadLG: 1 custody and 1 tarpit entries in .*Loadfiles\/Loadfile-WatchLG/);
    const lines = readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-WatchLG'), 'utf8').split('\n');
    expect(lines[0]).toMatch(/^# Loadfile-WatchLG, written by Load/);
    expect(lines).toContain(`add custody ${NXDOMAIN.address}`);
    const t = lines.find((l) => l.startsWith(`add tarpit ${TRUEHOST.address} timeout `))!;
    expect(Number(t.split(' ').pop())).toBeGreaterThan(400);
  });

  it('freeme takes an address out of the sets and the database', async () => {
    const r = await sb.run('bin/freeme', [NXDOMAIN.address]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${NXDOMAIN.address}: removed from set custody`);
    expect(r.stdout).toContain(`${NXDOMAIN.address}: removed from ${join(sb.inst.root, 'modules/WatchLG/WatchLG.db')}`);
    expect((await sb.members('custody')).size).toBe(0);
    expect(sb.row(NXDOMAIN.address)).toBeUndefined();
    expect((await sb.run('bin/freeme', ['203.0.113.250'])).stdout).toBe('203.0.113.250: in no set and no database');
  });

  it('an IPv6 attacker: LGinjector tarpits it, then drops it; freeme frees it from custody and the database', async () => {
    const six = TRUEHOST6.address;
    expect((await sb.run('modules/WatchLG/LGinjector', [six, '2'])).exitCode).toBe(0);
    const t = (await sb.members('tarpit')).get(six);
    expect(t).toBeGreaterThan(200);
    expect(t).toBeLessThanOrEqual(240);
    // A known address takes one affair a time, whatever the penalty: 3, 4, then 5.
    for (const want of ['Affairs 3/5, tarpit 480 s', 'Affairs 4/5, tarpit 960 s', 'DROP 5/5']) {
      expect((await sb.run('modules/WatchLG/LGinjector', [six, '3'])).stdout).toContain(`TRUEHOST ${six} '${want}'`);
    }
    expect([...(await sb.members('custody')).keys()]).toEqual([six]);
    expect((await sb.members('tarpit')).has(six)).toBe(false);
    const r = await sb.run('bin/freeme', [six]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${six}: removed from set custody`);
    expect((await sb.members('custody')).size).toBe(0);
    expect(sb.row(six)).toBeUndefined();
  });

  it('Expire 0 removes every address and its firewall entry; Expire takes days', async () => {
    await sb.run('modules/WatchLG/LGinjector', [NXDOMAIN.address, '5']);
    expect((await sb.members('custody')).has(NXDOMAIN.address)).toBe(true);
    const keep = await sb.run('modules/WatchLG/Expire');
    expect(keep.stdout).toMatch(/^ExpireLG: 0 addresses not seen since .* \(30 days\) removed/);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await sb.run('modules/WatchLG/Expire', ['0']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ExpireLG: 2 addresses not seen since .* \(0 days\) removed, 1 of them from custody/);
    expect((await sb.members('custody')).size).toBe(0);
    expect((await sb.members('tarpit')).size).toBe(0);
    expect(sb.row(TRUEHOST.address)).toBeUndefined();
    expect((await sb.run('modules/WatchLG/Expire', ['x'])).exitCode).toBe(64);
  });

  it('Expire leaves custody to an address another module still drops, and writes the Loadfile again', async () => {
    writeFileSync(join(sb.inst.root, 'modules/WatchMX/WatchMX.conf'), 'DNS_SERVER=off\nGEOTRACK=\n');
    expect((await sb.run('modules/WatchMX/Prep')).exitCode).toBe(0);
    const [shared, own] = ['203.0.113.140', '203.0.113.141'];
    for (const a of [shared, own]) expect((await sb.run('modules/WatchLG/LGinjector', [a, '5'])).exitCode).toBe(0);
    expect((await sb.run('modules/WatchMX/MXinjector', [shared, '5'])).exitCode).toBe(0);
    expect((await sb.run('modules/WatchLG/Load')).exitCode).toBe(0);
    const loadfile = join(sb.inst.root, 'Loadfiles/Loadfile-WatchLG');
    expect(readFileSync(loadfile, 'utf8')).toContain(`add custody ${own}`);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await sb.run('modules/WatchLG/Expire', ['0']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed, 1 of them from custody \(1 kept there: another module still drops them\); .*Loadfile-WatchLG written again/);
    expect([...(await sb.members('custody')).keys()]).toEqual([shared]);
    expect(readFileSync(loadfile, 'utf8')).not.toMatch(/add custody/);
  });

  it('freeme names a network that covers the address, removes it only with --networks, and cleans the Loadfiles', async () => {
    const a = '203.0.113.140';
    await kernelAdd(sb.ns, backend, 'blacklist', '203.0.113.0/24');
    writeFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-blacklist'), '# test\nadd blacklist 203.0.113.0/24\n');
    expect((await sb.run('modules/WatchMX/Load')).exitCode).toBe(0);
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-WatchMX'), 'utf8')).toContain(`add custody ${a}`);
    const r = await sb.run('bin/freeme', [a]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`${a}: removed from set custody`);
    expect(r.stdout).toContain(`${a}: removed from ${join(sb.inst.root, 'Loadfiles/Loadfile-WatchMX')}`);
    expect(r.stdout).toContain(`${a}: still blocked: network 203.0.113.0/24 in set blacklist covers it (${join(sb.inst.root, 'Loadfiles/Loadfile-blacklist')}:2); run freeme --networks`);
    expect(readFileSync(join(sb.inst.root, 'Loadfiles/Loadfile-WatchMX'), 'utf8')).not.toContain(a);
    expect((await sb.members('blacklist')).has('203.0.113.0/24')).toBe(true);
    const n = await sb.run('bin/freeme', ['--networks', a]);
    expect(n.exitCode, n.stdout).toBe(0);
    expect(n.stdout).toContain(`${a}: removed network 203.0.113.0/24 (covers it) from set blacklist`);
    expect((await sb.members('blacklist')).size).toBe(0);
  });

  it('Refresh says when the module does not run (exit 69) and refuses unknown tokens (64)', async () => {
    const r = await sb.run('bin/Refresh', ['lg']);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toBe('Refresh: WatchLG is not running');
    expect((await sb.run('bin/Refresh', ['zz'])).exitCode).toBe(64);
    expect(existsSync(join(sb.inst.runDir, 'WatchLG.pid'))).toBe(false);
  });
});
