// WatchWB running for real: FIFO, the instance register, rules per type, SQLite, each firewall
// backend in a network namespace; counts per instance in the status, StatWB per instance, Refresh wb.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { TRUEHOST, TRUEHOST6, NXDOMAIN } from '../../helpers/dns.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { BACKENDS } from '../../helpers/backends.js';

const H = 'Dec  2 20:00:00 web';
const line = (peer: string, req: string, status: number, inst: string, type: string, ua = 'Mozilla/5.0') =>
  `${H} nginx: ${peer} - - "${req}" ${status} 153 "-" "${ua}" "-" [Instance: ${inst}]@${type}`;

describe.each(BACKENDS)('WatchWB (%s)', (backend) => {
  let sb: Sandbox;
  let proc: ResultPromise;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=on\nGEOTRACK=\nMAX_AFFAIRS=5\nTIME_SLICE=60\nSESSION_WAIT=1', { backend });
    sb.register('# the sites of this server\nblog.example.org:443 wordpress\nstatic.example.org:80 static\n');
    const prep = await sb.run('modules/WatchWB/Prep');
    expect(prep.exitCode, prep.stderr).toBe(0);
    proc = sb.start('modules/WatchWB/WatchWB');
    await sb.waitFor('the status file', () => sb.status());
  });
  afterAll(async () => {
    if (proc && proc.exitCode === null) { proc.kill('SIGKILL'); await proc; }
    await sb?.close();
  });

  it('reads each line under its instance and its type\'s rules, counts per instance', async () => {
    sb.feed([
      line('198.51.100.5', 'GET /wp-login.php HTTP/1.1', 200, 'blog.example.org:443', 'wordpress'),
      line(TRUEHOST.address, 'GET /wp-login.php HTTP/1.1', 404, 'static.example.org:80', 'static'),
      line(TRUEHOST.address, 'POST /wp-login.php HTTP/1.1', 200, 'blog.example.org:443', 'wordpress'),
      line(NXDOMAIN.address, 'GET /.env HTTP/1.1', 404, 'new.example.org:8080', 'generic'),
      line(NXDOMAIN.address, 'GET /.git/config HTTP/1.1', 404, 'new.example.org:8080', 'generic'),
    ]);
    const st = await sb.waitFor('5 lines counted', () => { const s = sb.status(); return s && s.lines === 5 && s.pending === 0 && s.injected === 4 && s; });
    expect(st.instances).toEqual({
      'blog.example.org:443': { type: 'wordpress', lines: 2, skipped: 0, matched: 2, untreated: 0, injected: 1, tarpitted: 1, dropped: 0 },
      'static.example.org:80': { type: 'static', lines: 1, skipped: 0, matched: 1, untreated: 0, injected: 1, tarpitted: 1, dropped: 0 },
      'new.example.org:8080': { type: 'generic', lines: 2, skipped: 0, matched: 2, untreated: 0, injected: 2, tarpitted: 1, dropped: 1 },
    });
    expect(st.matched).toEqual({ normal: 1, 'cms-probe': 1, 'wp-login': 1, 'secret-files': 2 });
    // An address belongs to the instance of its first affair.
    expect(sb.row(TRUEHOST.address)).toMatchObject({ affairs: 2, status: 'TARPIT', modclass: 'static.example.org:80', origin: 'WatchWB', rule: 'wp-login' });
    expect(sb.row(NXDOMAIN.address)).toMatchObject({ status: 'DROP', modclass: 'new.example.org:8080' });
    expect(sb.row('198.51.100.5')).toBeUndefined();
    // The firewall's change follows the row's commit.
    await sb.waitFor('the dropped address in custody', async () => (await sb.members('custody')).has(NXDOMAIN.address));
    expect(sb.log().match(/not in the register/g)).toHaveLength(1);
    expect(sb.log()).toContain('instance new.example.org:8080 (@generic) is not in the register');
    expect(sb.trace()).toContain('[instance] static.example.org:80@static');
    expect(sb.trace()).toContain(`[inject] TRUEHOST ${TRUEHOST.address} (${TRUEHOST.name}), instance static.example.org:80`);
  });

  it('counts a wrong password once: the error line and the access line of one try are one affair; an error line alone counts', async () => {
    const before = sb.status()!.injected as number;
    sb.feed([
      `${H} httpd: [auth_basic:error] [pid 812] [client [${TRUEHOST6.address}]:40000] AH01617: user admin: authentication failure for "/private/": Password Mismatch [Instance: blog.example.org:443]@wordpress`,
      `${H} httpd: ${TRUEHOST6.address} - admin "GET /private/ HTTP/1.1" 401 381 "-" "Mozilla/5.0" "-" [Instance: blog.example.org:443]@wordpress`,
      `${H} httpd: [authz_core:error] [pid 812] [client 192.0.2.78:40000] AH01630: client denied by server configuration: /var/www/admin [Instance: blog.example.org:443]@wordpress`,
    ]);
    // The denied client's line is held for SESSION_WAIT (1 s), then counted.
    await sb.waitFor('both counted', () => sb.row('192.0.2.78') && sb.status()!.held === 0 && sb.status()!.injected === before + 2);
    expect(sb.row(TRUEHOST6.address)).toMatchObject({ affairs: 1, rule: 'basic-auth', class: 'TRUEHOST' });
    const t = await sb.waitFor('the IPv6 tarpit entry', async () => (await sb.members('tarpit')).get(TRUEHOST6.address));
    expect(t).toBeGreaterThan(100);
    expect(t).toBeLessThanOrEqual(120);
    // No PTR: one affair starts it at MAX_AFFAIRS-1.
    expect(sb.row('192.0.2.78')).toMatchObject({ affairs: 4, rule: 'client-denied', class: 'NXDOMAIN' });
  });

  it('rereads the register on Refresh wb; a broken one is refused naming file and line, the old one stays', async () => {
    sb.register('blog.example.org:443 wordpress\nstatic.example.org:80 static\nnew.example.org:8080 wordpres\n');
    const bad = await sb.run('bin/Refresh', ['wb']);
    expect(bad.exitCode).toBe(65);
    const file = join(sb.inst.root, 'modules/WatchWB/instances');
    expect(bad.stderr).toContain(`${file}:3: new.example.org:8080: unknown type "wordpres" (one of generic, joomla, nextcloud, static, wordpress)`);
    sb.feed([line('198.51.100.6', 'GET /wp-login.php HTTP/1.1', 404, 'new.example.org:8080', 'wordpress')]);
    await sb.waitFor('still generic', () => sb.status()?.instances?.['new.example.org:8080']?.lines === 3);
    expect(sb.row('198.51.100.6')).toMatchObject({ rule: 'cms-probe' });
    sb.register('blog.example.org:443 wordpress\nstatic.example.org:80 static\nnew.example.org:8080 wordpress\n');
    const good = await sb.run('bin/Refresh', ['wb']);
    expect(good.exitCode, good.stderr).toBe(0);
    sb.feed([line('198.51.100.7', 'GET /wp-login.php HTTP/1.1', 404, 'new.example.org:8080', 'wordpress')]);
    await sb.waitFor('now wordpress', () => sb.status()?.instances?.['new.example.org:8080']?.lines === 4);
    expect(sb.row('198.51.100.7')).toBeUndefined();
  });

  it('writes StatWB per day and per instance', async () => {
    const r = await sb.run('modules/WatchWB/Stat');
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = join(sb.inst.root, 'modules/WatchWB');
    expect(r.stdout).toBe(`StatWB: 1 days written to ${dir}/Statistics-WB.csv and ${dir}/Statistics-WB-instances.csv (REPORTMAIL is empty: not mailed)`);
    const day = String(sb.row(TRUEHOST.address)!.first_seen).slice(0, 10);
    const csv = readFileSync(join(sb.inst.root, 'modules/WatchWB/Statistics-WB-instances.csv'), 'utf8');
    expect(csv).toBe(`date,instance,introduced,dropped\n${day},blog.example.org:443,2,0\n${day},new.example.org:8080,2,1\n${day},static.example.org:80,1,0\n`);
  });

  it('refuses to start with a broken register: exit 78 naming file and line', async () => {
    const r = await sb.run('modules/WatchWB/WatchWB');
    // The running one holds the pid file; a second start is refused for that first.
    expect(r.exitCode).not.toBe(0);
    sb.register('blog.example.org:443 wordpress\nblog.example.org 443 static\n');
    proc.kill('SIGTERM');
    await proc;
    const bad = await sb.run('modules/WatchWB/WatchWB');
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toContain(`${join(sb.inst.root, 'modules/WatchWB/instances')}:2: "blog.example.org" is not VHOST:PORT`);
  });
});
