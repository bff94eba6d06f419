// The system-logger configuration that feeds the module FIFOs, for rsyslog and syslog-ng.
import { join } from 'node:path';
import { WatcherError, EX_CONFIG } from '../core/exit.js';

/** Which syslog facilities feed which module FIFO. */
export interface Feed { module: string; facilities: string[] }

/** The seeds' map: authpriv and auth to WatchLG, mail to WatchMX, local2 (the web server's logger) to WatchWB. */
export const FEEDS: readonly Feed[] = [
  { module: 'WatchLG', facilities: ['auth', 'authpriv'] },
  { module: 'WatchMX', facilities: ['mail'] },
  { module: 'WatchWB', facilities: ['local2'] },
];

export interface RenderOptions {
  /** Directory of the FIFOs ($FIFO_BASE). */
  fifoBase: string;
  feeds?: readonly Feed[];
  /** Lines a FIFO's queue holds while no module reads (rsyslog queue.size, syslog-ng log-fifo-size). */
  queueSize?: number;
  /** The syslog-ng source the log paths read (Debian: s_src, RHEL: s_sys). */
  source?: string;
}

export const DEFAULT_QUEUE_SIZE = 100_000;
const HEADER = '# Watcher: the system logger feeds the module FIFOs. Written by master/Prep; edits are overwritten.\n';

/** The FIFO path of a module. */
export function fifoPath(fifoBase: string, module: string): string {
  return join(fifoBase, module);
}

// Paths go into quoted strings of both config languages: refuse what would need escaping.
function checkPath(key: string, value: string): string {
  if (!value.startsWith('/') || /["\\\x00-\x1f\x7f]/.test(value)) {
    throw new WatcherError(`${key}=${JSON.stringify(value)}: must be an absolute path without quotes, backslashes or control characters`, EX_CONFIG);
  }
  return value;
}

function checkName(key: string, value: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(value)) throw new WatcherError(`${key}=${JSON.stringify(value)}: not a valid name`, EX_CONFIG);
  return value;
}

/**
 * rsyslog (RainerScript, rsyslog 8). Each FIFO is an ompipe action with an in-memory queue of
 * its own: ompipe holds the FIFO open read-write and non-blocking, so a FIFO without reader
 * fills its kernel buffer (64 KiB) and the next write fails with EAGAIN; the action is then
 * suspended and retried every second, forever, while its queue keeps the lines and the rest
 * of the logger carries on. The queue engine puts the one line whose write met the full pipe
 * back at the end of the queue: it arrives late, all others keep their order. No disk
 * assistance: rsyslog 8.2302 drops exactly that re-queued line from a disk queue. A queue
 * that is full (queueSize lines) drops new lines at once rather than stall the logger. The
 * message is cut to 3900 bytes so that one write stays below PIPE_BUF and is atomic. The
 * line shape matches syslog-ng's: ISO time, host, tag, message.
 */
export function renderRsyslogConf(opts: RenderOptions): string {
  const base = checkPath('FIFO_BASE', opts.fifoBase);
  const size = opts.queueSize ?? DEFAULT_QUEUE_SIZE;
  const out = [HEADER,
    'template(name="WatcherFifoLine" type="list") {',
    '  property(name="timestamp" dateFormat="rfc3339")',
    '  constant(value=" ")',
    '  property(name="hostname")',
    '  constant(value=" ")',
    '  property(name="syslogtag")',
    '  property(name="msg" spifno1stsp="on")',
    '  property(name="msg" droplastlf="on" position.from="1" position.to="3900")',
    '  constant(value="\\n")',
    '}',
    ''];
  for (const f of opts.feeds ?? FEEDS) {
    const m = checkName('module', f.module);
    const selector = f.facilities.map((x) => checkName('facility', x)).join(',') + '.*';
    out.push(
      `${selector} action(type="ompipe" name="watcher-${m}" pipe="${fifoPath(base, m)}" template="WatcherFifoLine"`,
      `  queue.type="LinkedList" queue.size="${size}" queue.timeoutEnqueue="0"`,
      '  action.resumeRetryCount="-1" action.resumeInterval="1" action.resumeIntervalMax="10")',
    );
  }
  return out.join('\n') + '\n';
}

/**
 * syslog-ng (3.x, conf.d snippet). pipe() keeps the FIFO open read-write, writes what the
 * kernel buffer takes and keeps the rest in the destination's queue (log-fifo-size lines),
 * in order; beyond that syslog-ng drops and counts. The template is the seeds' iso_date.
 */
export function renderSyslogNgConf(opts: RenderOptions): string {
  const base = checkPath('FIFO_BASE', opts.fifoBase);
  const source = checkName('source', opts.source ?? 's_src');
  const size = opts.queueSize ?? DEFAULT_QUEUE_SIZE;
  const out = [HEADER,
    'template t_watcher_fifo { template("${ISODATE} ${HOST} ${MSGHDR}${MSG}\\n"); template_escape(no); };',
    ''];
  for (const f of opts.feeds ?? FEEDS) {
    const m = checkName('module', f.module);
    const facilities = f.facilities.map((x) => checkName('facility', x)).join(', ');
    out.push(
      `destination d_watcher_${m} { pipe("${fifoPath(base, m)}" template(t_watcher_fifo) log-fifo-size(${size})); };`,
      `filter f_watcher_${m} { facility(${facilities}); };`,
      `log { source(${source}); filter(f_watcher_${m}); destination(d_watcher_${m}); };`,
      '',
    );
  }
  return out.join('\n');
}

/** The name of the source that reads the local log socket in a syslog-ng main configuration. */
export function findSyslogNgSource(mainConf: string): string | undefined {
  const text = mainConf.replace(/#.*$/gm, '');
  const sources = [...text.matchAll(/\bsource\s+([A-Za-z][\w-]*)\s*\{([^}]*)\}/g)];
  const local = sources.find((s) => /\b(system|unix-dgram|unix-stream)\s*\(/.test(s[2]));
  return (local ?? sources[0])?.[1];
}
