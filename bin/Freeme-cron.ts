// Freeme (cron, every five minutes; the launcher bin/Freeme): the whitelisted addresses and MyRouter's out of tarpit, custody and every module database.
import { runProgram } from '../master/lib/core/cli.js';
import { openFirewall } from '../master/lib/firewall/index.js';
import { openService, reportChanges } from '../master/lib/service/program.js';
import { freeWhitelisted } from '../master/lib/service/freewhite.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'Freeme',
    describe: 'free every address the whitelist or MYROUTER spares from tarpit, custody, every module database and the modules\' Loadfiles (cron: */5 * * * *)',
    options: (y) => y.epilog('Silent when nothing is found; each address freed on stdout and in LOG_DIR/Freeme.log. To free one address by hand: freeme ADDR.'),
    run: async () => {
      // A lockout tool: only the keys it needs stop it; another typo in watcher.conf is a warning.
      const s = openService('Freeme', ['FIREWALL', 'LOG_DIR']);
      reportChanges(s, 'Freeme', await freeWhitelisted(openFirewall(s.conf), s.master));
      return 0;
    },
  }, argv);
}
