// The demo inside its own network namespace: Prep, a private rsyslogd, watcher start, the attack, what Watcher did.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../master/lib/core/runner.js';
import { ATTACK, FRIEND, TAG } from './attack.js';
import { startDemoLogger, type DemoLogger } from './rsyslog.js';
import type { DemoPaths } from './install.js';
import { showSets, type DemoFirewall } from './sets.js';

type Say = (line: string) => void;

/** Run a program of the demo's installation with its environment; prints its output indented. */
async function program(p: DemoPaths, say: Say, rel: string, args: string[] = [], signal?: AbortSignal, only?: RegExp): Promise<string> {
  signal?.throwIfAborted();
  const r = await run(process.execPath, [join(p.root, rel), ...args], { env: { ...process.env, ...p.env }, allowFail: true, timeout: 120_000 });
  for (const l of `${r.stdout}${r.stderr}`.trimEnd().split('\n')) if (l && (!only || only.test(l))) say(`   ${l}`);
  return r.stdout;
}

function status(p: DemoPaths): { lines: number; pending: number } | undefined {
  const f = join(p.env.RUN_DIR, 'WatchLG.status');
  try { return JSON.parse(readFileSync(f, 'utf8')); } catch { return undefined; }
}

async function waitFor(what: string, probe: () => boolean, ms: number, signal: AbortSignal): Promise<void> {
  for (const end = Date.now() + ms; !probe();) {
    signal.throwIfAborted();
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The demo's steps, in this process's own network namespace. Whatever happens (also an
 * interruption), the module is stopped and the private rsyslogd ended before it returns.
 */
export async function runInside(p: DemoPaths, sayAlways: Say, signal: AbortSignal, firewall: DemoFirewall = 'iptables'): Promise<void> {
  let logger: DemoLogger | undefined;
  // After an interruption the steps still under way say nothing more.
  const say = (l: string): void => { if (!signal.aborted) sayAlways(l); };
  const interrupted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  const step = (rel: string, args: string[] = [], only?: RegExp) => program(p, say, rel, args, signal, only);
  const steps = async (): Promise<void> => {
    await run('ip', ['link', 'set', 'lo', 'up']);
    say('== master/Prep: FIFOs, the rsyslog snippet (into the demo\'s etc/rsyslog.d), the module database');
    await step('master/Prep', ['--no-enable', '--init-dir', join(p.etc, 'init.d'), '--systemd-dir', join(p.etc, 'systemd/system'),
      '--logger', 'rsyslog', '--rsyslog-dir', join(p.etc, 'rsyslog.d')]);
    signal.throwIfAborted();
    logger = await startDemoLogger(p.logger, join(p.etc, 'rsyslog.d'));
    say(`== a private rsyslogd reads ${logger.socket} and includes ${join(p.etc, 'rsyslog.d/watcher.conf')}`);
    say('== master/watcher start');
    await step('master/watcher', ['start']);
    await waitFor('WatchLG to start', () => status(p) !== undefined, 15_000, signal);
    const ips = new Set(ATTACK.map((l) => /from (\S+)/.exec(l)?.[1]));
    say(`== an attack through the system logger: ${ATTACK.length} sshd lines (authpriv) from ${ips.size} addresses, ${FRIEND} is whitelisted`);
    for (const line of ATTACK) say(`   logger -p authpriv.info -t ${TAG} '${line}'`);
    await run('logger', ['--socket', logger.socket, '--socket-errors=on', '-p', 'authpriv.info', '-t', TAG], { input: `${ATTACK.join('\n')}\n` });
    await waitFor('WatchLG to read the attack', () => { const s = status(p); return !!s && s.lines >= ATTACK.length && s.pending === 0; }, 30_000, signal);
    await new Promise((r) => setTimeout(r, 1100)); // the status file and the sets settle (rewritten each second)
    say(`   WatchLG has read ${status(p)?.lines} lines from its FIFO`);
    say('== master/watcher status');
    await step('master/watcher', ['status']);
    await showSets(firewall, ['tarpit', 'custody'], say, signal);
    say('== bin/Bandits: who is blocked or watched, by which rule, until when; bin/Bandits 198.51.100.7: why it is spared');
    await step('bin/Bandits');
    await step('bin/Bandits', ['198.51.100.7']);
    say('== bin/Trace LG --no-follow: the verdict of each line (the trace also has each line, its rule and timings)');
    await step('bin/Trace', ['LG', '-n', '500', '--no-follow'], / '(Initial|Affairs|DROP) |: spared$/);
  };
  const work = steps();
  work.catch(() => undefined);
  try {
    await Promise.race([work, interrupted]);
  } finally {
    sayAlways('== cleaning up: master/watcher stop, rsyslogd stopped');
    if (existsSync(join(p.env.RUN_DIR, 'WatchLG.pid'))) await program(p, sayAlways, 'master/watcher', ['stop']).catch(() => undefined);
    await logger?.stop();
  }
}
