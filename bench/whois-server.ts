// Whois servers on loopback (RFC 3912: one query line, the answer, close) that answer like IANA
// and the registries, in the forms each publishes: IANA's refer:, RPSL inetnum/inet6num of RIPE,
// APNIC and AFRINIC, ARIN's NetRange/CIDR with the organisation's Country and its
// ReferralServer for space another registry holds, LACNIC's short forms (200.1/16). Used by the
// GeoTrack tests and bench/geotrack.ts; `node dist/bench/whois-server.js WORLD.json` runs them from
// a file (inside a network namespace) and prints `name port` lines, then `ready`.
import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseNet, parseAddress, type Net } from '../master/lib/net/address.js';
import { netHolds } from '../master/lib/geo/range.js';

/** A network a registry holds: its range as that registry writes it, and its country. */
export interface WorldNet { server: string; range: string; country: string; name?: string; referTo?: string }
/** IANA's blocks: range and the registry it refers to (none: reserved). */
export interface IanaBlock { range: string; refer?: string; org: string }
export interface World { iana: IanaBlock[]; nets: WorldNet[] }

/** How a server behaves now: answers, refuses (too many queries), stalls, or floods. */
export type Mode = 'answer' | 'refuse' | 'stall' | 'huge';

const parsed = new Map<string, Net[]>();

// The range as networks, parsed once (the bench's world has thousands).
function netsOf(range: string): Net[] {
  let n = parsed.get(range);
  if (!n) parsed.set(range, (n = parseRangeText(range)));
  return n;
}

function parseRangeText(range: string): Net[] {
  const m = /^(\S+)\s*-\s*(\S+)$/.exec(range.trim());
  if (m) {
    return [parseAddress(m[1])!, parseAddress(m[2])!];
  }
  const short = /^(\d{1,3}(?:\.\d{1,3}){0,3})\/(\d+)$/.exec(range);
  if (short) { const p = short[1].split('.'); while (p.length < 4) p.push('0'); return [parseNet(`${p.join('.')}/${short[2]}`)!]; }
  return [parseNet(range)!];
}

/** Does the range (as written) hold the address? */
function holds(range: string, a: Net): boolean {
  const n = netsOf(range);
  if (n.length === 2) return n[0].family === a.family && BigInt(n[0].base) <= BigInt(a.base) && BigInt(a.base) <= BigInt(n[1].base);
  return netHolds(n[0], a);
}

// Size of a range for "most specific".
function width(range: string): bigint {
  const n = netsOf(range);
  if (n.length === 2) return BigInt(n[1].base) - BigInt(n[0].base);
  return 1n << BigInt((n[0].family === 4 ? 32 : 128) - n[0].prefix);
}

const RPSL_HEAD: Record<string, string> = {
  'whois.ripe.net': '% This is the RIPE Database query service.\n% The objects are in RPSL format.\n%\n% The RIPE Database is subject to Terms and Conditions.\n% See https://docs.db.ripe.net/terms-conditions.html\n\n% Note: this output has been filtered.\n%       To receive output for a database update, use the "-B" flag.\n\n',
  'whois.apnic.net': '% [whois.apnic.net]\n% Whois data copyright terms    http://www.apnic.net/db/dbcopyright.html\n\n% Information related to \'%R\'\n\n',
  'whois.afrinic.net': '% This is the AfriNIC Whois server.\n% The AFRINIC whois database is subject to  the following terms of Use. See https://afrinic.net/whois/terms\n\n',
};
const SOURCE: Record<string, string> = { 'whois.ripe.net': 'RIPE', 'whois.apnic.net': 'APNIC', 'whois.afrinic.net': 'AFRINIC' };

/** The answer of a server to a query, in its own format. */
export function answer(world: World, server: string, query: string): string {
  const words = query.trim().split(/\s+/);
  const a = parseAddress(words.at(-1)!.replace(/\/e$/, ''));
  if (server === 'whois.iana.org') {
    const b = a && world.iana.filter((x) => holds(x.range, a)).sort((x, y) => (width(x.range) < width(y.range) ? -1 : 1))[0];
    if (!b) return '% IANA WHOIS server\n% for more information on IANA, visit http://www.iana.org\n%\n% This query returned 0 objects.\n';
    const key = b.range.includes(':') ? 'inet6num' : 'inetnum';
    return `% IANA WHOIS server\n% for more information on IANA, visit http://www.iana.org\n% This query returned 1 object\n\n${b.refer ? `refer:        ${b.refer}\n\n` : ''}${key}:      ${b.range}\norganisation: ${b.org}\nstatus:       ${b.refer ? 'ALLOCATED' : 'RESERVED'}\n\n${b.refer ? `whois:        ${b.refer}\n\n` : ''}changed:      1993-05\nsource:       IANA\n\n`;
  }
  const found = a && world.nets.filter((n) => n.server === server && holds(n.range, a)).sort((x, y) => (width(x.range) < width(y.range) ? -1 : 1));
  const net = found?.[0];
  if (server === 'whois.arin.net') {
    const head = '\n#\n# ARIN WHOIS data and services are subject to the Terms of Use\n# available at: https://www.arin.net/resources/registry/whois/tou/\n#\n# If you see inaccuracies in the results, please report at\n# https://www.arin.net/resources/registry/whois/inaccuracy_reporting/\n#\n# Copyright 1997-2026, American Registry for Internet Numbers, Ltd.\n#\n\n';
    if (!found?.length) return `${head}No match found for ${query}.\n`;
    // ARIN lists the parent first, then the more specific network; each with its organisation.
    const body = [...found].reverse().map((n) => {
      const [lo, hi] = n.range.split(/\s*-\s*/);
      const refer = n.referTo ? `ResourceLink:   https://apps.db.ripe.net/db-web-ui/query\nResourceLink:   ${n.referTo}\n` : '';
      return `NetRange:       ${lo} - ${hi}\nCIDR:           ${cidrsOf(n.range)}\nNetName:        ${n.name ?? 'NET'}\nNetHandle:      NET-${lo.replace(/\./g, '-')}-1\nParent:         ()\nNetType:        ${n.referTo ? 'Early Registrations, Transferred to RIPE NCC' : 'Direct Allocation'}\nOriginAS:       \nOrganization:   ${n.name ?? 'Org'} (ORG-1)\nRegDate:        1992-12-01\nUpdated:        2018-04-23\nRef:            https://rdap.arin.net/registry/ip/${lo}\n\n${refer}\n\nOrgName:        ${n.name ?? 'Org'}\nOrgId:          ORG-1\nCity:           Monroe\nCountry:        ${n.country}\nRegDate:        2018-02-06\nUpdated:        2024-11-25\n`;
    });
    return `${head}${body.map((b, i) => (found.length > 1 ? `\n# start\n\n${b}\n# end\n` : b) + (i < body.length - 1 ? '\n' : '')).join('')}\n`;
  }
  if (server === 'whois.lacnic.net') {
    const head = '\n% Joint Whois - whois.lacnic.net\n%  This server accepts single ASN, IPv4 or IPv6 queries\n\n% LACNIC resource: whois.lacnic.net\n\n\n% Copyright LACNIC lacnic.net\n%  The use of the data below is only permitted as described in\n%  full by the Use and Privacy Policy at https://www.lacnic.net/policy-en\n\n';
    if (!net) return `${head}% No match found for ${query}\n`;
    return `${head}inetnum:     ${net.range}\nstatus:      allocated\naut-num:     N/A\nowner:       ${net.name ?? 'Owner'}\nownerid:     ${net.country}-OWNR-LACNIC\nresponsible: Someone\ncountry:     ${net.country}\nowner-c:     XYZ\ntech-c:      XYZ\ncreated:     19980101\nchanged:     20200101\n\nnic-hdl:     XYZ\nperson:      Someone\ne-mail:      someone@example.org\ncountry:     US\n\n`;
  }
  if (server === 'whois.nic.ad.jp') {
    if (!net) return '[ JPNIC database provides information regarding IP address and ASN. ]\n\nNo match!!\n';
    return `[ JPNIC database provides information regarding IP address and ASN. Its use   ]\n[ is restricted to network administration purposes.                          ]\n\nNetwork Information:\na. [Network Number]             ${net.range}\nb. [Network Name]               ${net.name ?? 'NET-JP'}\ng. [Organization]               Example K.K.\n[Assigned Date]                 2001/01/01\n`;
  }
  const head = (RPSL_HEAD[server] ?? '').replace('%R', net?.range ?? '');
  if (!net) return `${head}%ERROR:101: no entries found\n%\n% No entries found in source ${SOURCE[server] ?? 'RIPE'}.\n`;
  const key = net.range.includes(':') ? 'inet6num' : 'inetnum';
  return `${head}% Information related to '${net.range}'\n\n${key}:        ${net.range}\nnetname:        ${net.name ?? 'NET'}\ndescr:          ${net.name ?? 'Net'}\ncountry:        ${net.country}\nadmin-c:        XY1-${SOURCE[server] ?? 'RIPE'}\nstatus:         ASSIGNED PA\nmnt-by:         MNT\ncreated:        2003-03-17T12:15:57Z\nlast-modified:  2017-12-04T14:42:31Z\nsource:         ${SOURCE[server] ?? 'RIPE'}\n\n% This query was served by the ${SOURCE[server] ?? 'RIPE'} Database Query Service\n`;
}

// ARIN's CIDR line of a range.
function cidrsOf(range: string): string {
  const [lo, hi] = range.split(/\s*-\s*/);
  const a = parseAddress(lo)!, b = parseAddress(hi)!;
  const out: string[] = [];
  let x = BigInt(a.base);
  const end = BigInt(b.base);
  while (x <= end) {
    let size = 0;
    while (size < 32 && (x & ((1n << BigInt(size + 1)) - 1n)) === 0n && x + (1n << BigInt(size + 1)) - 1n <= end) size++;
    const n = Number(x);
    out.push(`${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${32 - size}`);
    x += 1n << BigInt(size);
  }
  return out.join(', ');
}

/** The refusal each server writes when it has had too many queries. */
export function refusal(server: string): string {
  if (server === 'whois.arin.net' || server === 'whois.lacnic.net') return '% Query rate limit exceeded. Please try again later.\n';
  if (server === 'whois.iana.org') return '% IANA WHOIS server\n% Too many queries from your address; try again later.\n';
  return '%ERROR:201: access denied for 127.0.0.1\n%\n% Sorry, access from your host has been permanently\n% denied because of a repeated excessive querying.\n% For more information, see\n% https://docs.db.ripe.net/FAQ/#why-did-i-receive-an-error-201-access-denied\n';
}

export interface WhoisServers {
  /** Where each server name listens (127.0.0.1:port). */
  ports: Map<string, number>;
  /** WHOIS_HOSTS for GeoTrack.conf. */
  hosts: string;
  /** The queries each server got, in order. */
  queries: Map<string, string[]>;
  mode: Map<string, Mode>;
  close(): Promise<void>;
}

export const SERVER_NAMES = ['whois.iana.org', 'whois.ripe.net', 'whois.arin.net', 'whois.apnic.net', 'whois.lacnic.net', 'whois.afrinic.net', 'whois.nic.ad.jp'];

/** Start one server per name on 127.0.0.1 (ports chosen by the kernel). */
export async function startWhoisServers(world: World, host = '127.0.0.1'): Promise<WhoisServers> {
  const ports = new Map<string, number>();
  const queries = new Map<string, string[]>();
  const mode = new Map<string, Mode>();
  const servers: Server[] = [];
  const open = new Set<Socket>();
  for (const name of SERVER_NAMES) {
    queries.set(name, []);
    const srv = createServer((sock) => {
      open.add(sock);
      sock.on('close', () => open.delete(sock));
      sock.on('error', () => {});
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        const eol = buf.indexOf('\n');
        if (eol < 0) { if (buf.length > 1000) sock.destroy(); return; }
        const q = buf.slice(0, eol).replace(/\r$/, '');
        queries.get(name)!.push(q);
        const m = mode.get(name) ?? 'answer';
        if (m === 'stall') return;
        if (m === 'refuse') { sock.end(refusal(name)); return; }
        if (m === 'huge') {
          // The answer first, then an endless stream of remarks: the client must stop reading.
          sock.write(answer(world, name, q));
          const junk = `remarks:        ${'x'.repeat(1000)}\n`.repeat(64);
          const pump = (): void => { while (!sock.destroyed && sock.write(junk)); if (!sock.destroyed) sock.once('drain', pump); };
          pump();
          return;
        }
        sock.end(answer(world, name, q));
      });
    });
    await new Promise<void>((r) => srv.listen(0, host, () => r()));
    ports.set(name, (srv.address() as { port: number }).port);
    servers.push(srv);
  }
  const hosts = [...ports].filter(([n]) => n !== 'whois.iana.org').map(([n, p]) => `${n}=${host}:${p}`).join(' ');
  return {
    ports, hosts, queries, mode,
    close: async () => {
      for (const s of open) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** A small world in the registries' real layouts: blocks of IANA and networks of each registry. */
export const WORLD: World = {
  iana: [
    { range: '1.0.0.0 - 1.255.255.255', refer: 'whois.apnic.net', org: 'APNIC' },
    { range: '8.0.0.0 - 8.255.255.255', refer: 'whois.arin.net', org: 'ARIN' },
    { range: '10.0.0.0 - 10.255.255.255', org: 'IANA - Private Use' },
    { range: '41.0.0.0 - 41.255.255.255', refer: 'whois.afrinic.net', org: 'AFRINIC' },
    { range: '100.0.0.0 - 100.255.255.255', refer: 'whois.arin.net', org: 'ARIN' },
    { range: '193.0.0.0 - 193.255.255.255', refer: 'whois.ripe.net', org: 'RIPE NCC' },
    { range: '200.0.0.0 - 200.255.255.255', refer: 'whois.lacnic.net', org: 'LACNIC' },
    { range: '2001:600:0:0:0:0:0:0/23', refer: 'whois.ripe.net', org: 'RIPE NCC' },
    { range: '2001:200:0:0:0:0:0:0/23', refer: 'whois.apnic.net', org: 'APNIC' },
  ],
  nets: [
    { server: 'whois.apnic.net', range: '1.0.0.0 - 1.255.255.255', country: 'AU', name: 'APNIC-AP' },
    { server: 'whois.apnic.net', range: '1.2.3.0 - 1.2.4.255', country: 'CN', name: 'CHINANET-XX' },
    { server: 'whois.apnic.net', range: '2001:200:900::/40', country: 'CN', name: 'CN-V6' },
    { server: 'whois.arin.net', range: '8.0.0.0 - 8.127.255.255', country: 'US', name: 'LVLT-ORG-8-8' },
    { server: 'whois.arin.net', range: '8.8.8.0 - 8.8.8.255', country: 'US', name: 'GOGL' },
    { server: 'whois.arin.net', range: '100.64.0.0 - 100.64.255.255', country: 'NL', name: 'RIPE-ERX', referTo: 'whois.ripe.net' },
    { server: 'whois.ripe.net', range: '100.64.0.0 - 100.64.3.255', country: 'RU', name: 'ERX-RU' },
    { server: 'whois.ripe.net', range: '193.0.0.0 - 193.0.7.255', country: 'NL', name: 'RIPE-NCC' },
    { server: 'whois.ripe.net', range: '193.19.80.0 - 193.19.87.255', country: 'RU', name: 'RU-NET' },
    { server: 'whois.ripe.net', range: '2001:67c:2e8::/48', country: 'NL', name: 'RIPE-NCC-V6' },
    { server: 'whois.lacnic.net', range: '200.1/16', country: 'BR', name: 'BR-NET' },
    { server: 'whois.afrinic.net', range: '41.0.0.0 - 41.0.255.255', country: 'ZA', name: 'ZA-NET' },
  ],
};

// As a program: serve the world of a JSON file (or the built-in one) until killed.
if (process.argv[1]?.endsWith('whois-server.js')) {
  const world = process.argv[2] ? (JSON.parse(readFileSync(process.argv[2], 'utf8')) as World) : WORLD;
  const s = await startWhoisServers(world);
  for (const [n, p] of s.ports) process.stdout.write(`${n} ${p}\n`);
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => { void s.close().then(() => process.exit(0)); });
}
