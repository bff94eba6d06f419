// End to end: Debian's nginx (two vhosts) and apache2 (one) log through the lines WBinstance
// prints, via syslog and logger, into a private rsyslogd and on to WatchWB. An attacker probing
// one vhost is tarpitted on the 2^affairs x TIME_SLICE ladder and then dropped (its next TCP
// connection gets no answer), counted under that instance only; a browsing client is never
// counted; apache's attacker is counted under apache's instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUEHOST } from '../helpers/dns.js';
import { Netns, joinVeth } from '../helpers/netns.js';
import { startRsyslog, type PrivateRsyslog } from '../helpers/rsyslog.js';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { startWebServer, request, type WebServer } from '../helpers/web.js';
import { makeSandbox, type Sandbox } from '../modules/WatchWB/sandbox.js';
import { BACKENDS } from '../helpers/backends.js';

const SERVER_A = '192.0.2.1';
const ATTACKER = TRUEHOST.address; // its PTR name resolves back to it: the full ladder applies
const SERVER_G = '10.78.0.1';
const BROWSER = '10.78.0.3'; // not whitelisted: never counted because it does nothing wrong
const SERVER_S = '198.51.100.1';
const SCANNER = '198.51.100.77';
const TIME_SLICE = 2;
const BLOG = 'blog.example.org:80', STATIC = 'static.example.org:80', WWW = 'www.example.org:8080';

describe.each(BACKENDS)('nginx and apache protected by WatchWB, per instance (%s)', (backend) => {
  let sb: Sandbox, rs: PrivateRsyslog, nginx: WebServer, apache: WebServer;
  let attacker: Netns, browser: Netns, scanner: Netns;
  const inst = (key: string) => (sb.status()?.instances ?? {})[key] ?? {};
  beforeAll(async () => {
    sb = await makeSandbox(`TRACE=yes\nGEOTRACK=\nMAX_AFFAIRS=3\nTIME_SLICE=${TIME_SLICE}`, { backend });
    await prepareService(sb, 'WatchWB', { watcher: 'STOP_GRACE=5\n' });
    for (const [key, type] of [[BLOG, 'wordpress'], [STATIC, 'static'], [WWW, 'generic']]) {
      const r = await sb.run('bin/WBinstance', ['add', key, type]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    [attacker, browser, scanner] = await Promise.all([Netns.create(), Netns.create(), Netns.create()]);
    await joinVeth(sb.ns, attacker, SERVER_A, ATTACKER, ['wsa0', 'wat0']);
    await joinVeth(sb.ns, browser, SERVER_G, BROWSER, ['wsg0', 'wbr0']);
    await joinVeth(sb.ns, scanner, SERVER_S, SCANNER, ['wss0', 'wsc0']);
    rs = await startRsyslog({ fifoBase: sb.inst.fifoBase });
    nginx = await startWebServer(sb.ns, 'nginx', [{ vhost: 'blog.example.org', port: 80, type: 'wordpress' }, { vhost: 'static.example.org', port: 80, type: 'static' }], rs.socket);
    apache = await startWebServer(sb.ns, 'apache', [{ vhost: 'www.example.org', port: 8080, type: 'generic' }], rs.socket);
    await startService(sb, 'WatchWB');
  }, 90_000);
  afterAll(async () => {
    await closeService(sb, nginx, apache, rs);
    await Promise.all([attacker, browser, scanner].map((n) => n?.destroy()));
  });

  it('never counts a client browsing the sites, its 404s and its basic-auth challenge included', async () => {
    const visits: [string, string, { user?: string; method?: string }?][] = [
      ['blog.example.org', '/'], ['blog.example.org', '/style.css'], ['blog.example.org', '/favicon.ico'],
      ['blog.example.org', '/wp-login.php'], ['blog.example.org', '/wp-content/themes/x/app.js'],
      ['blog.example.org', '/private/'], ['blog.example.org', '/private/', { user: 'alice:secret' }],
      ['static.example.org', '/'], ['static.example.org', '/index.html'], ['static.example.org', '/robots.txt'],
      ['static.example.org', '/private/'], ['static.example.org', '/private/', { user: 'alice:secret' }],
    ];
    const got: number[] = [];
    for (const [host, path, o] of visits) got.push((await request(browser, `http://${SERVER_G}${path}`, { host, ...o })).status);
    expect(got).toEqual([200, 200, 404, 404, 404, 401, 200, 200, 200, 404, 401, 200]);
    const apacheGot = [];
    for (const o of [{}, { user: 'alice:secret' }]) apacheGot.push((await request(browser, `http://${SERVER_G}:8080/private/`, { host: 'www.example.org', ...o })).status);
    apacheGot.push((await request(browser, `http://${SERVER_G}:8080/`, { host: 'www.example.org' })).status);
    expect(apacheGot).toEqual([401, 200, 200]);
    // Every access line has arrived (error lines come too: nginx's open() failed, auth's lines).
    await sb.waitFor('the browser\'s lines', () => inst(BLOG).lines >= 7 && inst(STATIC).lines >= 5 && inst(WWW).lines >= 3, 20_000);
    expect(sb.row(BROWSER)).toBeUndefined();
    for (const k of [BLOG, STATIC, WWW]) expect(inst(k), k).toMatchObject({ injected: 0, tarpitted: 0, dropped: 0 });
    // Each line was read whole and recognised (the last rule's harmless traffic), none left untreated.
    expect(sb.status()).toMatchObject({ injected: 0, noaddress: 0, ambiguous: 0, untreated: 0, unparsed: 0 });
    expect(sb.status()!.matched.normal).toBeGreaterThanOrEqual(15);
    expect((await request(browser, `http://${SERVER_G}/`, { host: 'blog.example.org' })).status).toBe(200);
  }, 60_000);

  it('tarpits a prober of the static site for 2^affairs x TIME_SLICE, then drops it; its instance only', async () => {
    const probes = ['/wp-login.php', '/.env', '/phpmyadmin/'];
    const seen: string[] = [];
    for (let k = 0; k < probes.length && sb.row(ATTACKER)?.status !== 'DROP'; k++) {
      await sb.waitFor('tarpit to expire', async () => !(await sb.members('tarpit')).has(ATTACKER), 40_000);
      expect((await request(attacker, `http://${SERVER_A}${probes[k]}`, { host: 'static.example.org' })).status).toBe(404);
      await sb.waitFor(`affair ${k + 1}`, async () => (await sb.members('tarpit')).has(ATTACKER) || (await sb.members('custody')).has(ATTACKER));
      const row = sb.row(ATTACKER) as { affairs: number; status: string };
      if (row.status === 'DROP') break;
      const t = (await sb.members('tarpit')).get(ATTACKER);
      expect(row.affairs).toBe(k + 1);
      expect(t).toBeLessThanOrEqual(2 ** row.affairs * TIME_SLICE);
      expect(t).toBeGreaterThan(2 ** row.affairs * TIME_SLICE - 2);
      // While tarpitted its packets are dropped: the site does not answer it (tried while 2 s are left at least).
      if (((await sb.members('tarpit')).get(ATTACKER) ?? 0) >= 2) expect((await request(attacker, `http://${SERVER_A}/`, { host: 'static.example.org', timeout: 1 })).status).toBe(0);
      seen.push(`${row.affairs}:${t}s`);
    }
    expect(sb.row(ATTACKER)).toMatchObject({ affairs: 3, status: 'DROP', modclass: STATIC, origin: 'WatchWB' });
    await sb.waitFor('custody', async () => (await sb.members('custody')).has(ATTACKER));
    const next = await request(attacker, `http://${SERVER_A}/`, { host: 'blog.example.org' });
    expect(next.status).toBe(0);
    expect(next.stderr + next.status).toMatch(/^0$|timed out/);
    const st = await sb.waitFor('the status after the drop', () => inst(STATIC).dropped === 1 && sb.status());
    expect(st.instances[STATIC]).toMatchObject({ type: 'static', injected: 3, tarpitted: 2, dropped: 1 });
    expect(st.instances[BLOG]).toMatchObject({ type: 'wordpress', injected: 0 });
    expect(sb.trace()).toContain(`[instance] ${STATIC}@static`);
    // The browser is still served.
    expect((await request(browser, `http://${SERVER_G}/`, { host: 'static.example.org' })).status).toBe(200);
    console.log(`tarpit (affairs:seconds left) seen: ${seen.join(', ')}; then custody`);
  }, 180_000);

  it("counts apache's attack tool under apache's instance and drops it", async () => {
    expect((await request(scanner, `http://${SERVER_S}:8080/`, { host: 'www.example.org', agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)' })).status).toBe(200);
    await sb.waitFor('custody', async () => (await sb.members('custody')).has(SCANNER), 20_000);
    expect(sb.row(SCANNER)).toMatchObject({ status: 'DROP', rule: 'scanner-agent', modclass: WWW });
    expect((await request(scanner, `http://${SERVER_S}:8080/`, { host: 'www.example.org', timeout: 2 })).status).toBe(0);
    await sb.waitFor('its instance counted', () => inst(WWW).dropped === 1);
    expect(inst(STATIC).dropped).toBe(1);
    // watcher status shows each instance's figures under WatchWB.
    const st = await sb.run('master/watcher', ['status']);
    expect(st.stdout).toContain(`\n    ${STATIC} (static): lines ${inst(STATIC).lines}, untreated 0, injected 3, tarpitted 2, dropped 1\n`);
    expect(st.stdout).toContain(`\n    ${WWW} (generic): lines ${inst(WWW).lines}, untreated 0, injected 1, tarpitted 0, dropped 1\n`);
  }, 60_000);
});
