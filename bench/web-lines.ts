// The shapes of web server lines for the detection corpus (bench/web-corpus.ts): access lines in
// WBinstance's apache and nginx formats, the seeds' LogFormat (no X-Forwarded-For field) and the
// combined format with its time stamp, each with the instance tag; apache's (2.4 with
// WBinstance's ErrorLogFormat, 2.2) and nginx's error lines. Client text is escaped as each server
// escapes it, so a payload reads in the corpus as it reads in a real log.

/** The instance types of the corpus and the instance of each (modules/WatchWB/instances). */
export const INSTANCES = {
  generic: 'www.example.org:443',
  wordpress: 'blog.example.org:443',
  joomla: 'cms.example.org:443',
  nextcloud: 'cloud.example.org:443',
  static: 'static.example.org:80',
} as const;
/** An instance type of the corpus. */
export type WebType = keyof typeof INSTANCES;
/** Every instance type of the corpus. */
export const TYPES = Object.keys(INSTANCES) as WebType[];

/** The register of the corpus instances. */
export const REGISTER = TYPES.map((t) => `${INSTANCES[t]} ${t}\n`).join('');

/** A request as the client sent it: raw bytes of the request line, user agent, referrer, user. */
export interface Request { req: string; status: number; ua?: string; ref?: string; user?: string; xff?: string }

/** The user agent of a request that names none: a current Chrome. */
export const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const HEAD = 'Dec  2 20:00:00 web';

// apache's escaping of %r, %{Referer}i, %{User-agent}i: '"' and '\' backslashed, the rest of the non-printables as \xhh.
const escapeApache = (s: string): string => s.replace(/["\\]/g, '\\$&').replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
// nginx's escaping of variables in log_format (escape=default): '"', '\' and the non-printables as \xHH.
const escapeNginx = (s: string): string => s.replace(/["\\\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** The access-line formats: WBinstance's apache and nginx, the seeds' LogFormat, combined with %t. */
export const FORMATS = ['apache', 'nginx', 'seeds', 'combined'] as const;
/** One access-line format. */
export type Format = typeof FORMATS[number];

/** The access line of a request in one format, for the instance of a type. */
export function accessLine(format: Format, peer: string, type: WebType, r: Request): string {
  const esc = format === 'nginx' ? escapeNginx : escapeApache;
  const tag = format === 'nginx' ? 'nginx' : 'httpd';
  const who = `${peer} - ${r.user ? esc(r.user) : '-'}`;
  const time = format === 'combined' ? ' [02/Dec/2026:20:00:00 +0000]' : '';
  const fields = `"${esc(r.req)}" ${r.status} ${r.status === 444 ? 0 : 5120} "${esc(r.ref ?? '-')}" "${esc(r.ua ?? BROWSER)}"`;
  const xff = format === 'apache' || format === 'nginx' ? ` "${esc(r.xff ?? '-')}"` : '';
  return `${HEAD} ${tag}: ${who}${time} ${fields}${xff} [Instance: ${INSTANCES[type]}]@${type}`;
}

/** The error-line forms: apache 2.4 with WBinstance's ErrorLogFormat (tagged), apache 2.2 (no tag), nginx (its server block). */
export type ErrorForm = 'apache24' | 'apache22' | 'nginx';

/** An error line: apache's module and level (2.4), message; nginx's level and message (before ', client:'). */
export interface ErrorMessage { form: ErrorForm; module?: string; level?: string; text: string; request?: string }

/** The error line of a message for a peer on the instance of a type. */
export function errorLine(peer: string, type: WebType, m: ErrorMessage): string {
  const v6 = peer.includes(':');
  if (m.form === 'apache24') {
    const client = v6 ? `[${peer}]:51234` : `${peer}:51234`;
    return `${HEAD} httpd: [${m.module ?? 'core'}:${m.level ?? 'error'}] [pid 812:tid 140112] [client ${client}] ${m.text} [Instance: ${INSTANCES[type]}]@${type}`;
  }
  if (m.form === 'apache22') return `${HEAD} httpd: [Wed Dec 02 20:00:00 2026] [${m.level ?? 'error'}] [client ${peer}] ${m.text}`;
  const vhost = INSTANCES[type].split(':')[0];
  return `${HEAD} nginx: 2026/12/02 20:00:00 [${m.level ?? 'error'}] 812#812: *4711 ${m.text}, client: ${peer}, server: ${vhost}, request: "${escapeNginx(m.request ?? 'GET / HTTP/1.1')}", host: "${vhost}"`;
}

/** The instance WatchWB reads an error line as (apache 2.2's carry no tag). */
export const errorInstance = (type: WebType, form: ErrorForm): string => (form === 'apache22' ? '-@generic' : `${INSTANCES[type]}@${type}`);

/** A supply of distinct peers: IPv4 of 198.18.0.0/15 and, every fifth, IPv6 of 2001:db8:77::/48. */
export function makePeers(): () => string {
  let n = 0;
  return () => {
    n++;
    return n % 5 === 0 ? `2001:db8:77::${n.toString(16)}` : `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  };
}
