// npm run demo: the whole chain in a throwaway sandbox, what it prints, and that it leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO } from '../helpers/install.js';
import { requireTools } from '../helpers/netns.js';
import { BACKENDS, requireBackend, type Backend } from '../helpers/backends.js';

const DEMO = join(REPO, 'bin/demo/Demo');

// The host's own firewall, listed (never changed) before and after.
async function hostFirewall(): Promise<string> {
  const sets = await execa('ipset', ['list', '-n'], { reject: false });
  const rules = await execa('iptables', ['-S'], { reject: false });
  const nft = await execa('nft', ['--stateless', 'list', 'ruleset'], { reject: false }); // no counters: they move
  return `${String(sets.stdout)}\n${String(rules.stdout)}\n${String(nft.stdout)}`;
}

// The demo's section showing a set with the backend's own tool: its heading, then its indented lines.
const HEADING: Record<Backend, (set: string) => string> = {
  iptables: (set) => `== ipset list ${set}\n`,
  nftables: (set) => `== nft list table inet watcher: the sets of ${set} that hold entries\n`,
};
function section(out: string, b: Backend, set: string): string {
  const at = out.indexOf(HEADING[b](set));
  return at < 0 ? '(no section)' : /^((?: {3}.*\n)*)/.exec(out.slice(at + HEADING[b](set).length))![1];
}
// Which of the attack's addresses a section names.
const named = (text: string): string[] => ['198.51.100.7', '198.51.100.23', '203.0.113.5', '203.0.113.17'].filter((a) => new RegExp(`(^|[^\\d.])${a.replaceAll('.', '\\.')}([^\\d.]|$)`, 'm').test(text));

// Processes whose command line names the demo's directory.
function processesOf(dir: string): string[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir); } catch { return false; }
  });
}

const dirOf = (out: string): string => /^Watcher demo in (\/\S+):/m.exec(out)?.[1] ?? '(none)';

describe('npm run demo', () => {
  it.each(BACKENDS)('replays the attack through rsyslog and shows tarpit, custody, status and trace; removes everything (%s)', async (backend) => {
    requireTools(['unshare', 'rsyslogd', 'logger']);
    requireBackend(backend);
    const before = await hostFirewall();
    const r = await execa('npm', ['run', '--silent', 'demo', '--', '--firewall', backend], { cwd: REPO, reject: false, all: true });
    const out = String(r.all);
    expect(r.exitCode, out).toBe(0);
    const dir = dirOf(out);
    expect(out).toContain(`Firewall backend: ${backend} (FIREWALL=${backend}).\n`);
    expect(out).toMatch(/written for rsyslog: restart it to apply/);
    expect(out).toContain('   Starting module WatchLG ...\n');
    expect(out).toContain('== an attack through the system logger: 15 sshd lines (authpriv) from 4 addresses, 198.51.100.7 is whitelisted\n');
    expect(out).toMatch(/^ {5}WatchLG +running, pid \d+ since \S+: lines 15, skipped 1, untreated 0, injected 7, tarpitted 6, dropped 1 /m);
    expect(out).toMatch(new RegExp(`^ {3}Firewall \\(${backend}\\):\n {5}whitelist +1\n {5}blacklist +0\n {5}hijackers +0\n {5}custody +1\n {5}tarpit +2$`, 'm'));
    expect(named(section(out, backend, 'tarpit'))).toEqual(['198.51.100.23', '203.0.113.17']);
    expect(named(section(out, backend, 'custody'))).toEqual(['203.0.113.5']);
    if (backend === 'iptables') {
      const tarpit = /Members:\n((?: {3}\S.*\n)*)/.exec(section(out, backend, 'tarpit'))?.[1] ?? '';
      expect(tarpit).toMatch(/^ {3}203\.0\.113\.17 timeout 2(3\d|40)$/m); // 2^2 x 60
      expect(tarpit).toMatch(/^ {3}198\.51\.100\.23 timeout 4(7\d|80)$/m); // 2^3 x 60
      expect(tarpit.trim().split('\n')).toHaveLength(2);
    }
    expect(out).toMatch(/WatchLG\[\d+\]: \[inject\] UNRESOLVED 203\.0\.113\.5 'DROP 5\/5'/);
    // Bandits: the dropped and the tarpitted with their rules, the whitelisted friend explained.
    expect(out).toMatch(/^ {3}203\.0\.113\.5 +custody +WatchLG root-login +5\/5 +UNRESOLVED /m);
    expect(out).toMatch(/^ {3}203\.0\.113\.17 +tarpit +WatchLG \S+ +2\/5 +UNRESOLVED .* tarpit until \S+ \S+$/m);
    expect(out).toContain('   3 lines: 1 in custody, 2 in tarpit\n');
    expect(out).toMatch(/^ {3}198\.51\.100\.7: spared \(never blocked\)\n {5}set whitelist: 198\.51\.100\.7 \(whitelist:1\)\n {5}WatchLG\.db: no row\n {5}WatchMX\.db: no row\n {5}WatchWB\.db: no row\n {5}spared: whitelist file: 198\.51\.100\.7 \(whitelist:1\)$/m);
    expect(out.match(/198\.51\.100\.7 is whitelisted, own or loopback: spared/g)).toHaveLength(6);
    expect(out).toContain('== cleaning up: master/watcher stop, rsyslogd stopped\n   Stopping module WatchLG ...\n');
    expect(out).toContain(`== removed ${dir}; the demo's network namespace is gone with its processes`);
    expect(existsSync(dir)).toBe(false);
    expect(processesOf(dir)).toEqual([]);
    expect(await hostFirewall()).toBe(before);
  }, 120_000);

  it('cleans up on Ctrl-C (SIGINT to its process group): exit 130, no process, no directory left', async () => {
    const demo = execa(process.execPath, [DEMO], { detached: true, reject: false, all: true, buffer: true });
    let out = '';
    let sent = false;
    demo.all?.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && /Starting module WatchLG/.test(out)) { sent = true; process.kill(-(demo.pid as number), 'SIGINT'); }
    });
    const r = await demo;
    expect(sent, out).toBe(true);
    expect(r.exitCode, out).toBe(130);
    const dir = dirOf(out);
    expect(out).toContain('== cleaning up: master/watcher stop, rsyslogd stopped\n');
    expect(out).toContain(`== removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
    await new Promise((res) => setTimeout(res, 500));
    expect(processesOf(dir)).toEqual([]);
  }, 120_000);
});
