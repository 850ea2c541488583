/** `odoops sandbox up|down|fault|status`: the fleet of real test servers on this machine. */
import { Argument, Command, Option } from 'commander';
import path from 'node:path';
import { UsageError } from '../util/errors.ts';
import { FAULTS, sandboxFault, sandboxStatus, upSandbox, type Fault } from '../sandbox/index.ts';
import { downSandbox, parseClientCount } from '../sandbox/lifecycle.ts';
import { defaultSandboxDir } from '../sandbox/paths.ts';

const DIR_HELP = 'sandbox directory ($ODOOPS_SANDBOX_DIR, else /var/lib/odoops-sandbox/default; shared with npm run demo)';


/** The --dir option to print in commands: none for the default directory. */
function dirOption(dir: string): string {
  return path.resolve(dir) === defaultSandboxDir() ? '' : ` --dir ${dir}`;
}

export function register(program: Command): void {
  const sandbox = program.command('sandbox').description('real test servers on this machine (needs root)');

  sandbox
    .command('up')
    .description('start N client servers and write an operator key and a config repo into DIR')
    .option('--clients <n>', 'number of client servers', '3')
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .option('--bare', 'servers with nothing provisioned: base OS, sshd, python3, git and the docker/odoo stand-ins; no /srv/odoo, no Odoo database')
    .action(async (opts: { clients: string; dir: string; bare?: boolean }) => {
      const clients = parseClientCount(opts.clients);
      const r = await upSandbox({ clients, dir: opts.dir, bare: !!opts.bare, log: (l) => process.stderr.write(`${l}\n`) });
      const { info } = r;
      const dirArg = dirOption(info.dir);
      const out: string[] = [];
      out.push(
        r.alreadyRunning
          ? `sandbox already running in ${info.dir} (${info.servers.length} servers); nothing started. Run "odoops sandbox down${dirArg}" first to change it.`
          : `sandbox up in ${info.dir}: ${info.servers.length} servers in ${r.seconds.toFixed(1)} s`,
      );
      const width = Math.max(...info.servers.map((s) => s.client.length));
      for (const s of info.servers) out.push(`  ${s.client.padEnd(width)}  ${s.user}@${s.host}:${s.port}  ${s.hostKey}  netns ${s.netns}`);
      out.push('', 'Use it:', `  export ODOOPS_SSH_KEY=${info.privateKeyPath}`, `  odoops validate --repo ${info.repoDir}`, `  odoops plan --repo ${info.repoDir}`);
      for (const [name, url] of Object.entries(info.addonsRepos)) out.push(`  addons repo ${name}: ${url}`);
      out.push(`  odoops sandbox status${dirArg}`, `  odoops sandbox down${dirArg}`);
      if (r.warning) out.push('', `warning: ${r.warning}`);
      process.stdout.write(out.join('\n') + '\n');
    });

  sandbox
    .command('down')
    .description('stop every server of the sandbox and remove everything it made')
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .action(async (opts: { dir: string }) => {
      const { found } = await downSandbox({ dir: opts.dir });
      process.stdout.write(found ? `sandbox in ${path.resolve(opts.dir)} is down\n` : `no sandbox in ${path.resolve(opts.dir)}: nothing to do\n`);
    });

  sandbox
    .command('fault')
    .description('inject a fault into one server')
    .argument('<client>', 'client name')
    .addArgument(new Argument('<fault>', FAULTS.join('|')).choices(FAULTS as string[]))
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .action(async (client: string, fault: string, opts: { dir: string }) => {
      await sandboxFault({ dir: opts.dir, client, fault: fault as Fault });
      process.stdout.write(`${client}: ${fault} done\n`);
    });

  sandbox
    .command('status')
    .description('show the servers of the sandbox and what runs on them')
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { dir: string; json?: boolean }) => {
      const st = await sandboxStatus(opts.dir);
      if (!st) throw new UsageError(`no sandbox in ${path.resolve(opts.dir)}: run odoops sandbox up${dirOption(opts.dir)}`);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ dir: st.state.dir, running: st.running, status: st.state.status, servers: st.servers }, null, 2) + '\n');
        return;
      }
      const lines = [`sandbox in ${st.state.dir}: ${st.running ? st.state.status : 'stopped (stale: run down)'}, ${st.servers.length} servers`];
      const on = (b: boolean) => (b ? 'up' : 'DOWN');
      const w = Math.max(...st.servers.map((s) => s.client.length));
      for (const s of st.servers) lines.push(`  ${s.client.padEnd(w)}  ${s.host.padEnd(13)}  link ${on(s.link)}  sshd ${on(s.sshd)}  db ${on(s.db)}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
