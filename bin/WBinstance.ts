// WBinstance {add|remove|list|show|types}: WatchWB's instance register (modules/WatchWB/instances)
// and the apache and nginx lines that feed an instance to WatchWB.
import { existsSync, readFileSync } from 'node:fs';
import { loadModuleConf, loadWatcherConf } from '../common.conf.js';
import { runProgram } from '../master/lib/core/cli.js';
import { WatcherError, EX_USAGE, EX_CONFIG, EX_DATAERR } from '../master/lib/core/exit.js';
import { replaceFileMode, PUBLIC_MODE } from '../master/lib/core/files.js';
import { MASTER_PATH } from '../master/lib/core/paths.js';
import { parseNet } from '../master/lib/net/address.js';
import { modulePaths } from '../master/lib/module/def.js';
import { refreshModule } from '../master/lib/module/refresh.js';
import { isPort, VHOST, instanceKey } from '../master/lib/web/instance.js';
import { readRegister, instanceTypes, formatInstance, appendInstance, dropLine, type Instance } from '../master/lib/web/register.js';
import { registerFile } from '../master/lib/web/view.js';
import { apacheSnippet, nginxSnippet } from '../master/lib/web/snippets.js';
import { WatchWB } from '../modules/WatchWB/module.js';

interface Args { _: string[]; instance?: string; type?: string; trusted?: string; server?: string }

// The register as it is; a broken one stops every verb but list (which shows the problems).
function open() {
  const paths = modulePaths(WatchWB, MASTER_PATH, loadModuleConf('WatchWB').RULES);
  const file = registerFile(paths.dir);
  const types = instanceTypes(paths.rules);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return { file, types, text, ...readRegister(file, types) };
}

function parseKey(s: string | undefined): { vhost: string; port: number } {
  const c = s?.lastIndexOf(':') ?? -1;
  const vhost = c > 0 ? s!.slice(0, c) : '';
  const port = c > 0 ? s!.slice(c + 1) : '';
  if (!VHOST.test(vhost) || !isPort(port)) throw new WatcherError(`${JSON.stringify(s ?? '')} is not VHOST:PORT (the ServerName or server_name and a port 1..65535)`, EX_USAGE);
  return { vhost, port: Number(port) };
}

function snippets(x: Instance, server?: string): string {
  return [server !== 'nginx' ? `## apache\n${apacheSnippet(x)}` : '', server !== 'apache' ? `## nginx\n${nginxSnippet(x)}` : ''].filter(Boolean).join('\n');
}

// A running WatchWB rereads the register at once.
async function refresh(): Promise<string> {
  const conf = loadWatcherConf({ needs: ['RUN_DIR'] });
  const o = await refreshModule(conf.RUN_DIR, 'WatchWB');
  if (o.kind === 'down') return 'WatchWB does not run: it reads the register when it starts';
  if (o.kind === 'silent') return `WatchWB (pid ${o.pid}) did not answer: run Refresh wb`;
  return o.kind === 'taken' ? `WatchWB (pid ${o.pid}) reread the register` : `WatchWB (pid ${o.pid}) refused: ${o.reloaded.problems.join('; ')}`;
}

export async function main(argv: string[]): Promise<number> {
  return runProgram({
    name: 'WBinstance',
    describe: "WatchWB's web instances: add VHOST:PORT TYPE [--trusted NET,...] | remove VHOST:PORT | list | show VHOST:PORT [--server apache|nginx] | types",
    options: (y) => y
      .command('add <instance> <type>', 'register an instance (vhost:port) with its type, then print the lines to paste')
      .command('remove <instance>', 'take an instance out of the register')
      .command('list', 'the registered instances')
      .command('show <instance>', 'the apache and nginx lines of a registered instance')
      .command('types', 'the instance types (rules/<type>/ and generic)')
      .demandCommand(1, 'a verb: add, remove, list, show or types')
      .option('trusted', { type: 'string', describe: 'add: reverse proxies or CDN networks in front of the instance, comma-separated' })
      .option('server', { choices: ['apache', 'nginx'], describe: 'show/add: the lines of this server only' })
      .epilog('Exit 0 done, 64 bad arguments, 65 an instance that is (not) registered already, 78 a broken register (file:line).'),
    run: async (a: Args) => {
      const verb = a._[0];
      const r = open();
      const out = (s: string): void => { process.stdout.write(s); };
      if (verb === 'types') { out(`${r.types.join('\n')}\n`); return 0; }
      if (verb === 'list') {
        for (const x of r.register.byKey.values()) out(`${formatInstance(x)}\n`);
        if (r.problems.length) throw new WatcherError(`broken instance register:\n${r.problems.join('\n')}`, EX_CONFIG);
        if (r.register.byKey.size === 0) out(`no instance registered in ${r.file} (WBinstance add VHOST:PORT TYPE)\n`);
        return 0;
      }
      if (r.problems.length) throw new WatcherError(`broken instance register, fix it first:\n${r.problems.join('\n')}`, EX_CONFIG);
      const { vhost, port } = parseKey(a.instance);
      const key = instanceKey(vhost, port);
      const have = r.register.byKey.get(key);
      if (verb === 'show') {
        if (!have) throw new WatcherError(`${key} is not registered in ${r.file}`, EX_DATAERR);
        out(snippets(have, a.server));
        return 0;
      }
      if (verb === 'remove') {
        if (!have) throw new WatcherError(`${key} is not registered in ${r.file}`, EX_DATAERR);
        replaceFileMode(r.file, dropLine(r.text, have.line), PUBLIC_MODE);
        out(`${key} removed from ${r.file}; ${await refresh()}\n`);
        return 0;
      }
      if (verb !== 'add') throw new WatcherError(`unknown verb ${JSON.stringify(verb)}: add, remove, list, show or types`, EX_USAGE);
      if (have) throw new WatcherError(`${key} is registered already as ${have.type} (${r.file}:${have.line}); WBinstance remove ${key} first`, EX_DATAERR);
      const type = String(a.type);
      if (!r.types.includes(type)) throw new WatcherError(`unknown type ${JSON.stringify(type)} (one of ${r.types.join(', ')})`, EX_USAGE);
      const trusted = (a.trusted ?? '').split(',').filter(Boolean).map((n) => {
        const net = parseNet(n.trim());
        if (!net || net.prefix === 0) throw new WatcherError(`--trusted ${JSON.stringify(n)}: not an address or network (and not every address)`, EX_USAGE);
        return net.text;
      });
      const x: Instance = { vhost, port, type, trusted, line: 0 };
      replaceFileMode(r.file, appendInstance(r.text, formatInstance(x)), PUBLIC_MODE);
      out(`${key} registered as ${type} in ${r.file}; ${await refresh()}\n\n${snippets(x, a.server)}`);
      return 0;
    },
  }, argv);
}
