// sshguard as a second peer of the detection bench: its parser (sshg-parser) reads log lines on
// stdin and prints `SERVICE ADDR FAMILY DANGER` for each line it counts, nothing for the
// others. One run per line: in a stream, a line that ends with an address makes it drop the
// line after it (2.4.2), so a line is only judged alone.
import { existsSync } from 'node:fs';
import { execa } from 'execa';

/** Where Debian's sshguard installs its parser. */
export const SSHG_PARSER = '/usr/libexec/sshguard/sshg-parser';

// The address sshg-parser counts for one line, if any.
async function parseOne(line: string): Promise<string | undefined> {
  const r = await execa(SSHG_PARSER, [], { input: `${line.replace(/[\r\n]/g, ' ')}\n`, reject: false });
  if (r.exitCode !== 0) throw new Error(`sshg-parser: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout.split('\n')[0].split(' ')[1] || undefined;
}

/** The address sshg-parser counts for each line (undefined: none), or undefined when sshguard is not installed. */
export async function readSshguard(lines: string[]): Promise<(string | undefined)[] | undefined> {
  if (!existsSync(SSHG_PARSER)) return undefined;
  const out: (string | undefined)[] = [];
  for (let i = 0; i < lines.length; i += 8) out.push(...await Promise.all(lines.slice(i, i + 8).map(parseOne)));
  return out;
}
