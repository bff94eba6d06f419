// Template: roll your own dynloader (Master manual §7). Copy this directory under your name
// (README, "Rolling your own dynloader"), then change the three steps below:
//
//   retrieve  where the list comes from: URL in <name>.conf (HTTP(S), fetched safely: timeouts,
//             size cap, verified TLS, conditional requests, the proxy environment)
//   extract   the function `extract` below: the provider's own format -> addresses and CIDRs
//   XX2FW     done for you: every entry checked, Loadfiles/Loadfile-<name> written (only when it
//             changed), the last good list kept when a download fails, then `watcher reload`
//
// Run `npm run build`, try it with `dynload/<name>/<name> --no-reload` and look at
// Loadfiles/Loadfile-<name>, then add dynload/<name>/Load to loader.conf and a crontab line.
import type { KeyTable } from '../../master/lib/core/settings.js';
import type { DynloaderDef } from '../../master/lib/dynload/def.js';
import { BadList, type ParsedList } from '../../master/lib/dynload/formats.js';
import { runDynloadProgram } from '../../master/lib/dynload/program.js';
import { ownsItsName } from '../../master/lib/dynload/providers.js';

/** The keys of <name>.conf besides the shared ones (MIN_SHARE, TIMEOUT, CA_FILE, ...). */
const KEYS = {
  URL: { type: 'string', default: '', doc: 'where the list is' },
  SET: { type: 'string', default: 'template', doc: 'the set its entries go to' },
  MIN_INTERVAL: { type: 'int', default: '3600', min: 0, max: 604_800, doc: 'fewest seconds between two downloads' },
} as const satisfies KeyTable;

/**
 * extract: the provider's format into entries. This one reads lines `address|reason|date` and
 * skips lines starting with '%'. Throw BadList when the body is not the list at all: the last
 * good list then stays. Count lines you cannot read in `bad` (more bad lines than good ones is
 * refused as garbled).
 */
function extract(body: Buffer): ParsedList {
  const out: ParsedList = { entries: [], bad: 0, badSample: [] };
  const lines = body.toString('utf8').split('\n');
  if (!lines[0]?.startsWith('% template list')) throw new BadList('the first line is not "% template list"');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('%')) return;
    const [address, reason] = line.split('|');
    if (address) out.entries.push({ value: address.trim(), comment: reason?.trim(), line: i + 1 });
    else { out.bad++; out.badSample.push(`line ${i + 1}: ${JSON.stringify(line.slice(0, 80))}`); }
  });
  return out;
}

const TEMPLATE: DynloaderDef<typeof KEYS> = {
  provider: 'template', describe: 'an example dynloader to copy: URL of <name>.conf into the set SET', keys: KEYS,
  // retrieve: one part a download; several parts may feed one Loadfile.
  parts: (c, name) => [{ id: 'list', url: c.URL, format: extract, set: c.SET, loadfile: name }],
  owns: ownsItsName,
};

export const main = (argv: string[]): Promise<number> => runDynloadProgram(TEMPLATE, argv);
