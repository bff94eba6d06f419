// A real OpenSSH server for a test, inside a network namespace and a private mount namespace:
// its /dev/log is the private rsyslogd's socket, its /etc/passwd, group and shadow are copies
// with a test user, /run and /dev are tmpfs of its own, its /var/log (where it records logins:
// btmp, wtmp, lastlog) a directory of the test. Nothing of the host is changed.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { requireTools, type Netns } from './netns.js';
import { privateMounts, serveInside } from './mountns.js';

export interface SshServer {
  dir: string;
  user: string;
  password: string;
  /** The sshd process (the listener). */
  proc: ResultPromise;
  /** What is /var/log for sshd: its btmp (failed logins), wtmp and lastlog. */
  records: string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Addresses sshd listens on (port 22), already configured in ns. */
  listen: string[];
  /** The unix socket that becomes sshd's /dev/log. */
  logSocket: string;
  user?: string;
  password?: string;
  /** sshd_config keywords that replace the defaults below (sshd takes a keyword's first value). */
  config?: Record<string, string>;
}

const UID = 4242;

/** Start sshd -D in ns with a private mount namespace; resolves once it listens on every address. */
export async function startSshd(ns: Netns, opts: SshdOptions): Promise<SshServer> {
  requireTools(['sshd', 'ssh-keygen', 'openssl', 'unshare', 'nsenter', 'mount', 'mknod', 'ss']);
  const user = opts.user ?? 'watchtest';
  const password = opts.password ?? 'correct horse 42';
  const dir = mkdtempSync(join(tmpdir(), 'watcher-sshd-'));
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  mkdirSync(home);
  chownSync(home, UID, UID);
  const hash = (await execa('openssl', ['passwd', '-6', '-stdin'], { input: password })).stdout.trim();
  writeFileSync(join(dir, 'passwd'), readFileSync('/etc/passwd', 'utf8') + `${user}:x:${UID}:${UID}:Watcher test:${home}:/bin/sh\n`);
  writeFileSync(join(dir, 'group'), readFileSync('/etc/group', 'utf8') + `${user}:x:${UID}:\n`);
  // root has the test password too (inside this mount namespace only), so root's failures are logged as sshd logs them.
  writeFileSync(join(dir, 'shadow'), `root:${hash}:19000:0:99999:7:::\n${user}:${hash}:19000:0:99999:7:::\n`, { mode: 0o600 });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ssh_host_ed25519_key')]);
  const cfg = join(dir, 'sshd_config');
  const config: Record<string, string> = {
    UsePAM: 'no', PasswordAuthentication: 'yes', KbdInteractiveAuthentication: 'no', PubkeyAuthentication: 'no',
    PermitRootLogin: 'no', SyslogFacility: 'AUTH', LogLevel: 'INFO', UseDNS: 'no', StrictModes: 'no',
    MaxAuthTries: '20', MaxStartups: '100', LoginGraceTime: '20', PrintMotd: 'no', ...opts.config,
  };
  writeFileSync(cfg, [
    'Port 22', ...opts.listen.map((a) => `ListenAddress ${a}`),
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    ...Object.entries(config).map(([k, v]) => `${k} ${v}`), '',
  ].join('\n'));

  // The mount namespace is held by a child inside ns; every set-up step and sshd enter it.
  const mnt = await privateMounts(ns, opts.logSocket, 'sshd sandbox');
  const { inside } = mnt;
  await inside('mount', '-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run');
  await inside('mkdir', '-m', '0755', '/run/sshd');
  for (const f of ['passwd', 'group', 'shadow']) await inside('mount', '--bind', join(dir, f), `/etc/${f}`);
  // sshd appends failed logins to /var/log/btmp (and logins to wtmp, lastlog): its own files.
  const records = join(dir, 'log');
  mkdirSync(records, { mode: 0o755 });
  for (const f of ['btmp', 'wtmp', 'lastlog']) writeFileSync(join(records, f), '', { mode: 0o600 });
  await inside('mount', '--bind', records, '/var/log');
  await inside('/usr/sbin/sshd', '-t', '-f', cfg);

  const { proc, stop } = await serveInside(ns, mnt, {
    argv: ['/usr/sbin/sshd', '-D', '-f', cfg], dir, what: `sshd on ${opts.listen.join(', ')}`,
    listening: (ss) => opts.listen.every((a) => ss.includes(`${a}:22 `)),
  });
  return { dir, user, password, proc, records, stop };
}

/** The user and remote host of each record of a btmp/wtmp file (glibc's struct utmp, 384 bytes). */
export function readLoginRecords(file: string): { user: string; host: string }[] {
  const buf = readFileSync(file);
  const text = (from: number, len: number) => buf.subarray(from, from + len).toString('latin1').replace(/\0.*$/s, '');
  const out: { user: string; host: string }[] = [];
  for (let at = 0; at + 384 <= buf.length; at += 384) out.push({ user: text(at + 44, 32), host: text(at + 76, 256) });
  return out;
}

/** One password login from a client namespace with sshpass and OpenSSH's ssh; never throws on a refusal. */
export async function sshLogin(client: Netns, host: string, user: string, password: string, command = 'true') {
  requireTools(['ssh', 'sshpass']);
  const home = mkdtempSync(join(tmpdir(), 'watcher-ssh-client-'));
  try {
    const r = await client.exec('sshpass', ['-p', password, 'ssh', '-F', '/dev/null',
      '-o', 'BatchMode=no', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1',
      '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `${user}@${host}`, command], { env: { HOME: home }, timeout: 30_000 });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  } finally { rmSync(home, { recursive: true, force: true }); }
}

/** One public-key login with a certificate (KEY-cert.pub beside KEY) from a client namespace (from `bind`); never throws on a refusal. */
export async function sshCertLogin(client: Netns, host: string, user: string, key: string, bind?: string) {
  requireTools(['ssh']);
  const home = mkdtempSync(join(tmpdir(), 'watcher-ssh-client-'));
  try {
    const r = await client.exec('ssh', ['-F', '/dev/null', ...(bind ? ['-b', bind] : []), '-i', key, '-o', `CertificateFile=${key}-cert.pub`,
      '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'PreferredAuthentications=publickey', '-o', 'IdentitiesOnly=yes',
      '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `${user}@${host}`, 'true'], { env: { HOME: home }, timeout: 30_000 });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  } finally { rmSync(home, { recursive: true, force: true }); }
}
