// WBinstance: the instance register of WatchWB and the lines it prints, run as a program of a
// throwaway installation; a tired administrator's typos.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstallation, type Installation } from '../helpers/install.js';

describe('WBinstance', () => {
  let inst: Installation;
  let register: string;
  const wb = async (...args: string[]) => {
    const r = await execa(process.execPath, [join(inst.root, 'bin/WBinstance'), ...args], { env: { ...process.env, ...inst.env }, reject: false });
    return { code: r.exitCode, out: String(r.stdout), err: String(r.stderr) };
  };
  beforeAll(() => { inst = makeInstallation(); register = join(inst.root, 'modules/WatchWB/instances'); });
  afterAll(() => inst?.remove());

  it('lists the types: generic and the rules directory\'s', async () => {
    expect(await wb('types')).toEqual({ code: 0, out: 'generic\njoomla\nnextcloud\nstatic\nwordpress', err: '' });
  });

  it('adds an instance, prints the apache and nginx lines, lists it; the register keeps comments', async () => {
    const r = await wb('add', 'blog.example.org:443', 'wordpress');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`blog.example.org:443 registered as wordpress in ${register}; WatchWB does not run: it reads the register when it starts`);
    expect(r.out).toContain('LogFormat "%h %l %u \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-agent}i\\" \\"%{X-Forwarded-For}i\\" [Instance: %v:%{local}p]@wordpress" watcher_wordpress\n');
    expect(r.out).toContain('CustomLog "|/usr/bin/logger -S 8192 -t httpd -p local2.notice" watcher_wordpress\n');
    expect(r.out).toContain('ErrorLogFormat "[%-m:%l] [pid %P] [client %a] %M [Instance: blog.example.org:443]@wordpress"\n');
    expect(r.out).toContain(`log_format watcher_wordpress '$remote_addr - $remote_user "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" [Instance: $server_name:$server_port]@wordpress';\n`);
    expect(r.out).toContain('access_log syslog:server=unix:/dev/log,facility=local2,severity=notice,tag=nginx,nohostname watcher_wordpress;\n');
    const add2 = await wb('add', 'shop.example.org:8443', 'generic', '--trusted', '10.0.0.0/8,2001:db8:cafe::/48,192.0.2.7');
    expect(add2.code, add2.err).toBe(0);
    expect(readFileSync(register, 'utf8')).toBe([
      '# WatchWB instance register: VHOST:PORT TYPE [trusted=NET,NET...] (WBinstance writes it; edit by hand, then Refresh wb)',
      'blog.example.org:443            wordpress',
      'shop.example.org:8443           generic trusted=10.0.0.0/8,2001:db8:cafe::/48,192.0.2.7', ''].join('\n'));
    expect((await wb('list')).out).toBe('blog.example.org:443            wordpress\nshop.example.org:8443           generic trusted=10.0.0.0/8,2001:db8:cafe::/48,192.0.2.7');
    const nginx = await wb('show', 'blog.example.org:443', '--server', 'nginx');
    expect(nginx.out).not.toContain('LogFormat "');
    expect(nginx.out).toContain('error_log syslog:server=unix:/dev/log,facility=local2,nohostname warn;');
  });

  it('a full disk fails an add with exit 74 naming the register, which stays as it was, nothing left beside it', async () => {
    const dir = join(inst.root, 'modules/WatchWB');
    // A register of two blocks all but full: the new line needs a third.
    let text = readFileSync(register, 'utf8');
    for (let i = 0; text.length < 8000; i++) text += `h${i}.example.org:443            static\n`;
    text += `#${'-'.repeat(8192 - 5 - text.length - 2)}\n`;
    writeFileSync(register, text);
    const before = readFileSync(register, 'utf8');
    expect(before.length).toBe(8187);
    // In a mount namespace of its own: the module's directory on a small tmpfs, filled up.
    const script = `
      import { spawnSync, execFileSync } from 'node:child_process';
      import { cpSync, mkdtempSync, openSync, writeSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
      const dir = ${JSON.stringify(dir)};
      const copy = mkdtempSync('/tmp/watcher-wb-');
      cpSync(dir, copy, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
      cpSync(copy, dir, { recursive: true });
      rmSync(copy, { recursive: true, force: true });
      const fd = openSync(dir + '/filler', 'w');
      try { for (;;) writeSync(fd, Buffer.alloc(4096)); } catch (e) { if (e.code !== 'ENOSPC') throw e; }
      closeSync(fd);
      const r = spawnSync(process.execPath, [${JSON.stringify(join(inst.root, 'bin/WBinstance'))}, 'add', 'full.example.org:443', 'static'], { encoding: 'utf8' });
      console.log(JSON.stringify({ code: r.status, err: r.stderr, register: readFileSync(dir + '/instances', 'utf8'), files: readdirSync(dir).filter((f) => f.startsWith('instances')) }));`;
    const r = await execa('unshare', ['-m', '--propagation', 'private', process.execPath, '--input-type=module', '-e', script], { env: { ...process.env, ...inst.env }, reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const got = JSON.parse(String(r.stdout).trim().split('\n').pop()!) as { code: number; err: string; register: string; files: string[] };
    expect(got.code).toBe(74);
    expect(got.err).toMatch(new RegExp(`^WBinstance: cannot write ${register.replace(/[.]/g, '\\.')}: ENOSPC: no space left on device`));
    expect(got.err).not.toMatch(/\n\s+at /);
    expect(got.register).toBe(before);
    expect(got.files).toEqual(['instances']);
    expect(readFileSync(register, 'utf8')).toBe(before);
    writeFileSync(register, text.slice(0, text.indexOf('h0.example.org')));
  });

  it('refuses typos with the reason and a meaningful exit code, the register untouched', async () => {
    const before = readFileSync(register, 'utf8');
    expect(await wb('add', 'blog.example.org:443', 'static')).toMatchObject({ code: 65, err: expect.stringContaining(`blog.example.org:443 is registered already as wordpress (${register}:2); WBinstance remove blog.example.org:443 first`) });
    expect(await wb('add', 'cms.example.org:443', 'wordpres')).toMatchObject({ code: 64, err: expect.stringContaining('unknown type "wordpres" (one of generic, joomla, nextcloud, static, wordpress)') });
    expect(await wb('add', 'cms.example.org', 'joomla')).toMatchObject({ code: 64, err: expect.stringContaining('"cms.example.org" is not VHOST:PORT') });
    expect(await wb('add', 'cms.example.org:99999', 'joomla')).toMatchObject({ code: 64 });
    expect(await wb('add', 'cms.example.org:443', 'joomla', '--trusted', '0.0.0.0/0')).toMatchObject({ code: 64, err: expect.stringContaining('--trusted "0.0.0.0/0"') });
    expect(await wb('add', 'cms.example.org:443', 'joomla', '--trusted', '10.0.0.300')).toMatchObject({ code: 64 });
    expect(await wb('show', 'nope.example.org:80')).toMatchObject({ code: 65, err: expect.stringContaining(`nope.example.org:80 is not registered in ${register}`) });
    expect(await wb('frobnicate', 'x:1')).toMatchObject({ code: 64 });
    expect(readFileSync(register, 'utf8')).toBe(before);
  });

  it('names file and line of a hand-made typo (exit 78) and removes an instance by its line', async () => {
    inst.write('modules/WatchWB/instances', `${readFileSync(register, 'utf8')}# a comment\nwww.example.org:80 static trusted=10.0.0.1,bogus\n`);
    const bad = await wb('add', 'cms.example.org:443', 'joomla');
    expect(bad.code).toBe(78);
    expect(bad.err).toContain(`${register}:5: www.example.org:80: trusted proxy "bogus" is not an address or network`);
    const list = await wb('list');
    expect(list.code).toBe(78);
    expect(list.out).toContain('blog.example.org:443');
    inst.write('modules/WatchWB/instances', readFileSync(register, 'utf8').replace(',bogus', ''));
    const rm = await wb('remove', 'blog.example.org:443');
    expect(rm.code, rm.err).toBe(0);
    expect(readFileSync(register, 'utf8')).toBe([
      '# WatchWB instance register: VHOST:PORT TYPE [trusted=NET,NET...] (WBinstance writes it; edit by hand, then Refresh wb)',
      'shop.example.org:8443           generic trusted=10.0.0.0/8,2001:db8:cafe::/48,192.0.2.7',
      '# a comment', 'www.example.org:80 static trusted=10.0.0.1', ''].join('\n'));
  });

  it('has --help', async () => {
    const h = await wb('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('add <instance> <type>');
  });
});
