// MyRouter (cron, every minute): keep the current addresses of MYROUTER's dynamic-DNS names in the whitelist.
import { runProgram } from '../master/lib/core/cli.js';
import { EX_UNAVAILABLE } from '../master/lib/core/exit.js';
import { openService, reportChanges } from '../master/lib/service/program.js';
import { updateMyRouter } from '../master/lib/service/myrouter.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'MyRouter',
    describe: "resolve MYROUTER (watcher.conf) and keep its names' current addresses in the whitelist, an old one taken out when a name moves (cron: * * * * *)",
    options: (y) => y.epilog('Silent when nothing changes; each change on stdout and in LOG_DIR/MyRouter.log. Exit 69 when a name does not answer (its old addresses stay), 78 for a bad MYROUTER.'),
    run: async () => {
      // A lockout tool: only the keys it needs stop it; another typo in watcher.conf is a warning.
      const s = openService('MyRouter', ['MYROUTER', 'RUN_DIR', 'LOG_DIR', 'FIREWALL', 'DNS_SERVER', 'DNS_TIMEOUT']);
      const r = await updateMyRouter(s);
      reportChanges(s, 'MyRouter', r.changes);
      for (const f of r.failures) s.warn(f);
      return r.failures.length ? EX_UNAVAILABLE : 0;
    },
  }, argv);
}
