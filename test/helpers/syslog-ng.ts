// syslog-ng from Debian's package unpacked into a private directory (test/fetch-syslog-ng), and a
// private syslog-ng daemon for a test: own socket, persist file, control socket and FIFO_BASE.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { LoggerProgram } from '../../master/lib/syslog-check.js';
import { installLoggerConf, type LoggerInstall } from '../../master/lib/syslog-install.js';
import { syslogNgVersion } from '../../master/lib/syslog-check.js';

export const SYSLOG_NG_ROOT = process.env.WATCHER_SYSLOG_NG_ROOT ?? '/var/cache/watcher-test/syslog-ng';

/** The private syslog-ng program; fails (never skips) when test/fetch-syslog-ng has not run. */
export function privateSyslogNg(root: string = SYSLOG_NG_ROOT): LoggerProgram {
  const path = join(root, 'usr/sbin/syslog-ng');
  const modBase = join(root, 'usr/lib/syslog-ng');
  if (!existsSync(path) || !existsSync(modBase)) {
    throw new Error(`real component missing: syslog-ng unpacked in ${root} (run bash test/fetch-syslog-ng; test/run does)`);
  }
  const modDir = readdirSync(modBase).find((d) => /^\d+\.\d+$/.test(d));
  if (!modDir) throw new Error(`real component missing: no module directory in ${modBase}`);
  const libs = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'usr/lib/syslog-ng'].map((d) => join(root, d));
  return { path, args: [`--module-path=${join(modBase, modDir)}`], env: { LD_LIBRARY_PATH: libs.join(':') } };
}

export interface PrivateSyslogNg {
  dir: string;
  socket: string;
  fifoBase: string;
  install: LoggerInstall;
  proc: ResultPromise;
  output(): string;
  stop(): Promise<void>;
}

/** Start the private syslog-ng in the foreground with the Watcher snippet installed by installLoggerConf. */
export async function startSyslogNg(opts: { fifoBase?: string } = {}): Promise<PrivateSyslogNg> {
  const prog = privateSyslogNg();
  const dir = mkdtempSync(join(tmpdir(), 'watcher-syslog-ng-'));
  const fifoBase = opts.fifoBase ?? join(dir, 'pipes');
  const incDir = join(dir, 'conf.d');
  mkdirSync(incDir);
  const socket = join(dir, 'log.sock');
  const main = join(dir, 'syslog-ng.conf');
  const version = await syslogNgVersion(prog);
  writeFileSync(main, `@version: ${version}\nsource s_src { unix-dgram("${socket}"); internal(); };\n@include "${incDir}/*.conf"\n`);
  const install = await installLoggerConf({ fifoBase, logger: 'syslog-ng', syslogNgDir: incDir, syslogNgMain: main, syslogNg: prog });
  let out = '';
  const proc = execa(prog.path, [...(prog.args ?? []), '-F', '-f', main, `--persist-file=${join(dir, 'persist')}`, `--pidfile=${join(dir, 'pid')}`, `--control=${join(dir, 'ctl')}`],
    { env: prog.env, reject: false, cleanup: true, all: true, buffer: false });
  proc.all?.on('data', (d: Buffer) => { out += d.toString(); });
  for (let i = 0; i < 100 && !existsSync(socket) && proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) {
    proc.kill('SIGKILL');
    throw new Error(`private syslog-ng did not open ${socket}: ${out}`);
  }
  return {
    dir, socket, fifoBase, install, proc,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await proc;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
