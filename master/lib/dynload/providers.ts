// The dynloaders Watcher ships: Spamhaus DROP, NiXSpam, ipdeny's country zones, and the list
// loader configured only by its conf.
import type { KeyTable } from '../core/settings.js';
import { isSetName } from '../firewall/types.js';
import type { Format } from './formats.js';
import { KeyValueError, type DynloaderDef, type Part } from './def.js';

/** A string key of a dynloader's conf. */
const text = <D extends string>(def: D, doc: string) => ({ type: 'string', default: def, doc }) as const;
const interval = (seconds: number, why: string) => ({ type: 'int', default: String(seconds), min: 0, max: 604_800, doc: `fewest seconds between two downloads of a list (${why}); a Load sooner reuses the last one` }) as const;

const SPAMHAUS_KEYS = {
  FORMAT: { type: 'enum', default: 'json', values: ['json', 'text'], doc: "'json' (drop_v4.json, drop_v6.json) or 'text' (the legacy drop.txt, dropv6.txt)" },
  JSON_URLS: { type: 'list', default: 'https://www.spamhaus.org/drop/drop_v4.json https://www.spamhaus.org/drop/drop_v6.json', doc: 'the IPv4 and the IPv6 JSON feed' },
  TEXT_URLS: { type: 'list', default: 'https://www.spamhaus.org/drop/drop.txt https://www.spamhaus.org/drop/dropv6.txt', doc: 'the IPv4 and the IPv6 text list' },
  SET: text('hijackers', 'the set the networks go to'),
  MIN_INTERVAL: interval(3600, 'Spamhaus asks for at most one download an hour'),
} as const satisfies KeyTable;

/** Spamhaus DROP (EDROP is part of it since 2024): set hijackers, the SBL id as comment. */
export const SPAMHAUS: DynloaderDef<typeof SPAMHAUS_KEYS> = {
  provider: 'Spamhaus', describe: 'load Spamhaus DROP (IPv4 and IPv6) into the set hijackers', keys: SPAMHAUS_KEYS,
  parts: (c, name) => {
    const urls = c.FORMAT === 'json' ? c.JSON_URLS : c.TEXT_URLS;
    const set = checkSet(c.SET, 'SET');
    return urls.map((url, i) => ({ id: `${c.FORMAT}-${i + 1}`, url, format: c.FORMAT === 'json' ? 'spamhaus-json' : 'cidr-comment', family: urls.length === 2 ? (i === 0 ? 4 : 6) : undefined, set, loadfile: name }));
  },
  owns: ownsItsName,
};

const NIXSPAM_KEYS = {
  URL: text('https://www.nixspam.net/download/nixspam-ip.dump.gz', 'the NiXSpam blacklist digest (gzip)'),
  SET: text('nixspam', 'the set the addresses go to'),
  MIN_INTERVAL: interval(600, 'the digest changes every 15 minutes'),
} as const satisfies KeyTable;

/** NiXSpam: the gzip digest, `<unix time> <address>` a line, into the set nixspam. */
export const NIXSPAM: DynloaderDef<typeof NIXSPAM_KEYS> = {
  provider: 'NiXSpam', describe: 'load the NiXSpam blacklist into the set nixspam', keys: NIXSPAM_KEYS,
  parts: (c, name) => [{ id: 'digest', url: c.URL, format: 'nixspam', set: checkSet(c.SET, 'SET'), loadfile: name }],
  owns: ownsItsName,
};

const GEO_KEYS = {
  ZONES: { type: 'list', default: 'cn ru kp by er', doc: 'country codes (ISO 3166 alpha-2) whose networks are dropped' },
  // A country's aggregated zone joins the blocks it holds side by side: the US zone holds /7s (6.0.0.0/7).
  WIDEST_V4: { type: 'int', default: '4', min: 1, max: 32, doc: 'widest IPv4 network taken (its prefix length): a wider entry is left out' },
  WIDEST_V6: { type: 'int', default: '12', min: 1, max: 128, doc: 'widest IPv6 network taken (its prefix length)' },
  V4_URL: text('https://www.ipdeny.com/ipblocks/data/aggregated/{zone}-aggregated.zone', 'IPv4 zone file, {zone} is the country code'),
  V6_URL: text('https://www.ipdeny.com/ipv6/ipaddresses/aggregated/{zone}-aggregated.zone', "IPv6 zone file ('' for none)"),
  MIN_INTERVAL: interval(3600, 'ipdeny updates its zones once a day'),
} as const satisfies KeyTable;

/** ipdeny's country zones: one set and one Loadfile a zone (geo-cn, Loadfile-geo-cn). */
export const GEO: DynloaderDef<typeof GEO_KEYS> = {
  provider: 'ipdeny', describe: 'load the networks of the ZONES countries (ipdeny) into one set a zone, geo-<zone>', keys: GEO_KEYS,
  parts: (c) => {
    const out: Part[] = [];
    for (const raw of new Set(c.ZONES.map((z) => z.toLowerCase()))) {
      if (!/^[a-z]{2}$/.test(raw)) throw new KeyValueError('ZONES', c.ZONES.join(' '), `${JSON.stringify(raw)} is not a two-letter country code`);
      const zone = `geo-${raw}`;
      out.push({ id: `${raw}-v4`, url: c.V4_URL.replaceAll('{zone}', raw), format: 'plain', family: 4, set: zone, loadfile: zone });
      if (c.V6_URL) out.push({ id: `${raw}-v6`, url: c.V6_URL.replaceAll('{zone}', raw), format: 'plain', family: 6, set: zone, loadfile: zone });
    }
    return out;
  },
  owns: (f) => /^geo-[a-z]{2}$/.test(f),
};

const LIST_KEYS = {
  URL: { type: 'list', default: '', doc: 'the list, or several lists that fill the one set' },
  FORMAT: { type: 'enum', default: 'plain', values: ['plain', 'cidr-comment', 'csv'], doc: "'plain' (an address or CIDR a line), 'cidr-comment' (CIDR ; comment) or 'csv'" },
  CSV_COLUMN: { type: 'int', default: '1', min: 1, max: 1000, doc: 'csv: the column of the address' },
  CSV_SEPARATOR: text(',', 'csv: the separator'),
  CSV_HEADER: { type: 'enum', default: 'no', values: ['yes', 'no'], doc: "csv: 'yes' when the first line names the columns" },
  FAMILY: { type: 'enum', default: 'any', values: ['any', '4', '6'], doc: "'4' or '6' leaves out entries of the other family" },
  SET: text('', 'the set (default: the dynloader name)'),
  COMMENT: text('', 'comment of every entry without one of its own'),
  MIN_INTERVAL: interval(0, 'as the provider asks'),
} as const satisfies KeyTable;

/** The list loader: a copy of dynload/list under another name, with its own conf, for each list. */
export const LIST: DynloaderDef<typeof LIST_KEYS> = {
  provider: 'list', describe: 'load the list(s) of URL in <name>.conf into the set SET (a copy under another name for each list)', keys: LIST_KEYS,
  parts: (c, name) => {
    if (c.URL.length === 0) throw new KeyValueError('URL', '', 'no list to load: set URL');
    const set = checkSet(c.SET || name, 'SET');
    return c.URL.map((url, i) => ({
      id: `list-${i + 1}`, url, format: c.FORMAT as Format, set, loadfile: name, comment: c.COMMENT || undefined,
      family: c.FAMILY === 'any' ? undefined : (Number(c.FAMILY) as 4 | 6),
      formatOptions: { column: c.CSV_COLUMN, separator: c.CSV_SEPARATOR, header: c.CSV_HEADER === 'yes' },
    }));
  },
  owns: ownsItsName,
};

/** A dynloader whose one Loadfile bears its name. */
export function ownsItsName(loadfile: string, name: string): boolean {
  return loadfile === name;
}

function checkSet(set: string, key: string): string {
  if (!isSetName(set)) throw new KeyValueError(key, set, `${JSON.stringify(set)} is not a set name (a letter, then letters, digits, _ . -, at most 24, not ending in -v6 or -new)`);
  return set;
}
