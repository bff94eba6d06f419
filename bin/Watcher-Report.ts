// Watcher-Report [--json] [--mail]: the seeds' report of what Watcher blocks, per dynloader, geo zone, module, set and Loadfile.
import { loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { MASTER_PATH } from '../master/lib/core/paths.js';
import { WatcherError, EX_CONFIG } from '../master/lib/core/exit.js';
import { sendReport } from '../master/lib/core/mail.js';
import { openFirewall } from '../master/lib/firewall/index.js';
import { gatherReport, formatReport } from '../master/lib/service/report.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Watcher-Report',
    describe: 'what Watcher blocks: DROPs contributed per geo zone and dynloader, per module its database and counters, per set its entries, per Loadfile its age and last load',
    options: (y) => y
      .option('json', { type: 'boolean', default: false, describe: 'one JSON document instead of the text' })
      .option('mail', { type: 'boolean', default: false, describe: 'mail the text to REPORTMAIL (subject "Watcher-Report <time>") instead of printing it' }),
    run: async (a: { json: boolean; mail: boolean }) => {
      const conf = loadWatcherConf();
      if (a.mail && conf.REPORTMAIL === '') throw new WatcherError('--mail: REPORTMAIL is empty in watcher.conf: nobody to send the report to', EX_CONFIG);
      const r = await gatherReport(openFirewall(conf), MASTER_PATH, conf.RUN_DIR);
      const text = a.json ? JSON.stringify(r, null, 2) + '\n' : formatReport(r);
      if (!a.mail) { process.stdout.write(text); return 0; }
      const how = await sendReport({ to: conf.REPORTMAIL, subject: `Watcher-Report ${r.time}`, text, attachments: [] }, conf);
      process.stdout.write(`Watcher-Report mailed to ${conf.REPORTMAIL} through ${how}\n`);
      return 0;
    },
  }, argv);
}
