// syslog-ng from Debian's package unpacked into a private directory (test/fetch-syslog-ng), and a
// private syslog-ng daemon for a test: own socket, persist file, control socket and FIFO_BASE.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { awaitLogger } from '../../bin/demo/rsyslog.js';
import { syslogNgVersion, type LoggerProgram } from '../../master/lib/service/syslog-check.js';
import { installLoggerConf } from '../../master/lib/service/syslog-install.js';
import { makeLoggerDir, ownLogger, type PrivateLogger } from './logger.js';

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

export type PrivateSyslogNg = PrivateLogger;

/** Start the private syslog-ng in the foreground with the Watcher snippet installed by installLoggerConf. */
export async function startSyslogNg(opts: { fifoBase?: string } = {}): Promise<PrivateSyslogNg> {
  const prog = privateSyslogNg();
  const { dir, incDir, fifoBase } = makeLoggerDir('watcher-syslog-ng-', 'conf.d', opts.fifoBase);
  const socket = join(dir, 'log.sock');
  const main = join(dir, 'syslog-ng.conf');
  const version = await syslogNgVersion(prog);
  writeFileSync(main, `@version: ${version}\nsource s_src { unix-dgram("${socket}"); internal(); };\n@include "${incDir}/*.conf"\n`);
  const install = await installLoggerConf({ fifoBase, logger: 'syslog-ng', syslogNgDir: incDir, syslogNgMain: main, syslogNg: prog });
  const proc = execa(prog.path, [...(prog.args ?? []), '-F', '-f', main, `--persist-file=${join(dir, 'persist')}`, `--pidfile=${join(dir, 'pid')}`, `--control=${join(dir, 'ctl')}`],
    { env: prog.env, reject: false, cleanup: true, buffer: false });
  return ownLogger(dir, fifoBase, install, await awaitLogger('private syslog-ng', proc, socket));
}
