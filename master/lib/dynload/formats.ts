// The list formats providers publish, read into raw entries (an address or CIDR and a comment).
// A body that is no list of its format (an HTML page, a count that disagrees) is bad data.
import { gunzipSync } from 'node:zlib';

/** One entry as the provider wrote it; checked later (screen.ts). */
export interface RawEntry { value: string; comment?: string; line: number }

export interface ParsedList {
  entries: RawEntry[];
  /** Data lines that are no entry of the format: count and the first few. */
  bad: number;
  badSample: string[];
}

/** A body that is not a list of the expected format: the download is refused as a whole. */
export class BadList extends Error {
  constructor(message: string) { super(message); this.name = 'BadList'; }
}

export const FORMATS = ['plain', 'cidr-comment', 'csv', 'spamhaus-json', 'nixspam'] as const;
export type Format = typeof FORMATS[number];

export interface FormatOptions {
  /** csv: the 1-based column of the address, its separator, whether the first line is a header. */
  column?: number;
  separator?: string;
  header?: boolean;
  /** Largest size a compressed body may unpack to. */
  maxBytes?: number;
}

/** Read a downloaded body in its format. */
export function parseBody(format: Format, body: Buffer, o: FormatOptions = {}): ParsedList {
  const text = format === 'nixspam' ? gunzip(body, o.maxBytes ?? 256 << 20) : body.toString('utf8');
  refuseHtml(text);
  switch (format) {
    case 'plain': return readLines(text, firstWord, '#;');
    case 'cidr-comment': return readLines(text, cidrComment, '#;');
    case 'csv': return readCsv(text, o.column ?? 1, o.separator ?? ',', o.header ?? false);
    case 'spamhaus-json': return readSpamhausJson(text);
    case 'nixspam': return readLines(text, nixspamLine, '#');
  }
}

function gunzip(body: Buffer, max: number): string {
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) throw new BadList(`not a gzip file (first bytes ${JSON.stringify(body.subarray(0, 16).toString('latin1'))})`);
  try { return gunzipSync(body, { maxOutputLength: max }).toString('utf8'); } catch (e) { throw new BadList(`bad gzip data: ${(e as Error).message}`); }
}

// An error page served with status 200 (a captive portal, a provider's "rate limited" page).
function refuseHtml(text: string): void {
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 512).toLowerCase();
  if (/^<(!doctype|html|head|body|\?xml|title|h1|p>|div)/.test(head)) throw new BadList(`an HTML page, not a list (${JSON.stringify(head.slice(0, 60))})`);
}

type LineReader = (data: string) => { value: string; comment?: string } | string | undefined;

// One entry a line; a line starting with one of `comment`'s characters is a comment.
function readLines(text: string, read: LineReader, comment: string): ParsedList {
  const out: ParsedList = { entries: [], bad: 0, badSample: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const data = lines[i].trim();
    if (data === '' || comment.includes(data[0])) continue;
    const e = read(data);
    if (typeof e === 'string' && e !== '') out.entries.push({ value: e, line: i + 1 });
    else if (typeof e === 'object' && e.value !== '') out.entries.push({ value: e.value, comment: e.comment, line: i + 1 });
    else noteBad(out, i + 1, data);
  }
  return out;
}

function noteBad(out: ParsedList, line: number, data: string): void {
  out.bad++;
  if (out.badSample.length < 5) out.badSample.push(`line ${line}: ${JSON.stringify(data.length > 80 ? `${data.slice(0, 80)}…` : data)}`);
}

// An address or CIDR first on the line, anything after a blank, ';', ',' or '#' ignored.
const firstWord = (data: string): string => {
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === 59 || c === 44 || c === 35 || c === 32 || (c >= 9 && c <= 13) || (c >= 0xa0 && /\s/.test(data[i]))) return data.slice(0, i);
  }
  return data;
};

// `1.10.16.0/20 ; SBL256894` (Spamhaus's legacy DROP text, and most "CIDR ; comment" lists).
function cidrComment(data: string): { value: string; comment?: string } {
  const semi = data.indexOf(';');
  const value = (semi < 0 ? data : data.slice(0, semi)).trim().split(/\s+/)[0];
  const comment = semi < 0 ? undefined : data.slice(semi + 1).trim() || undefined;
  return { value, comment };
}

// NiXSpam's digest: `<unix time> <address>` a line.
function nixspamLine(data: string): { value: string } | undefined {
  const m = /^(\d{1,12})\s+(\S+)$/.exec(data);
  return m ? { value: m[2] } : undefined;
}

function readCsv(text: string, column: number, sep: string, header: boolean): ParsedList {
  const out: ParsedList = { entries: [], bad: 0, badSample: [] };
  const lines = text.split('\n');
  for (let i = header ? 1 : 0; i < lines.length; i++) {
    const data = lines[i].replace(/\r$/, '');
    if (data.trim() === '' || /^\s*#/.test(data)) continue;
    const cells = data.split(sep);
    const value = (cells[column - 1] ?? '').trim().replace(/^"(.*)"$/, '$1').trim();
    if (value) out.entries.push({ value, line: i + 1 });
    else noteBad(out, i + 1, data);
  }
  return out;
}

/**
 * Spamhaus DROP in JSON: one object a line, `{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}`,
 * and a last line `{"type":"metadata","timestamp":...,"size":...,"records":N,...}`. The records
 * must match the entries read, and the metadata line must be there: a file without it was cut.
 */
function readSpamhausJson(text: string): ParsedList {
  const out: ParsedList = { entries: [], bad: 0, badSample: [] };
  let records: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const data = lines[i].trim();
    if (data === '') continue;
    let o: Record<string, unknown>;
    try { o = JSON.parse(data) as Record<string, unknown>; } catch { noteBad(out, i + 1, data); continue; }
    if (o === null || typeof o !== 'object') { noteBad(out, i + 1, data); continue; }
    if (o.type === 'metadata') {
      if (typeof o.records !== 'number' || !Number.isInteger(o.records)) throw new BadList(`line ${i + 1}: metadata without a record count`);
      records = o.records;
      continue;
    }
    if (typeof o.cidr !== 'string') { noteBad(out, i + 1, data); continue; }
    out.entries.push({ value: o.cidr, comment: typeof o.sblid === 'string' ? o.sblid : undefined, line: i + 1 });
  }
  if (records === undefined) throw new BadList('no metadata line with the record count (a cut or garbled file)');
  if (records !== out.entries.length + out.bad) throw new BadList(`the metadata says ${records} records, the file holds ${out.entries.length + out.bad}`);
  return out;
}
