// The lines an administrator pastes into apache and nginx for one instance: the access log in
// WatchWB's format (ending in the instance tag) to the system logger's facility local2, and
// the error log there too.
import type { Instance } from './register.js';
import { instanceKey } from './instance.js';

/** apache's LogFormat of a type: the seeds' format with X-Forwarded-For before the tag. */
export function apacheLogFormat(type: string): string {
  return `LogFormat "%h %l %u \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-agent}i\\" \\"%{X-Forwarded-For}i\\" [Instance: %v:%{local}p]@${type}" watcher_${type}`;
}

/** nginx's log_format of a type (http block; the same for every instance of the type). */
export function nginxLogFormat(type: string): string {
  return `log_format watcher_${type} '$remote_addr - $remote_user "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" [Instance: $server_name:$server_port]@${type}';`;
}

/** The apache lines of an instance, for its <VirtualHost *:PORT> with ServerName VHOST. */
export function apacheSnippet(x: Instance, logger = '/usr/bin/logger'): string {
  const key = instanceKey(x.vhost, x.port);
  return [
    `# WatchWB instance ${key} (${x.type}): inside <VirtualHost *:${x.port}> with ServerName ${x.vhost}`,
    apacheLogFormat(x.type),
    `CustomLog "|${logger} -S 8192 -t httpd -p local2.notice" watcher_${x.type}`,
    `ErrorLogFormat "[%-m:%l] [pid %P] [client %a] %M [Instance: ${key}]@${x.type}"`,
    `ErrorLog "|${logger} -S 8192 -t httpd -p local2.err"`,
  ].join('\n') + '\n';
}

/** The nginx lines of an instance: log_format in http { }, the logs in its server { }. */
export function nginxSnippet(x: Instance, socket = '/dev/log'): string {
  const key = instanceKey(x.vhost, x.port);
  return [
    `# WatchWB instance ${key} (${x.type}): in http { } once per type`,
    nginxLogFormat(x.type),
    `# inside server { listen ${x.port}; server_name ${x.vhost} ...; } (its first server_name)`,
    `access_log syslog:server=unix:${socket},facility=local2,severity=notice,tag=nginx,nohostname watcher_${x.type};`,
    `error_log syslog:server=unix:${socket},facility=local2,nohostname warn;`,
  ].join('\n') + '\n';
}
