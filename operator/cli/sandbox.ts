/** `odoops sandbox up|down|fault|status`: the fleet of real test servers on this machine. */
import { Argument, Command, Option } from 'commander';
import path from 'node:path';
import { UsageError } from '../util/errors.ts';
import {
  downSandbox,
  FAULTS,
  parseClientCount,
  parseRoleHostCount,
  sandboxFault,
  sandboxStatus,
  upSandbox,
  type Fault,
} from '../sandbox/index.ts';
import { defaultSandboxDir } from '../sandbox/paths.ts';
import { odoopsCommand } from './invocation.ts';

const DIR_HELP = 'sandbox directory ($ODOOPS_SANDBOX_DIR, else /var/lib/odoops-sandbox/default; shared with npm run demo)';

/** The --dir option to print in commands: none for the default directory. */
function dirOption(dir: string): string {
  return path.resolve(dir) === defaultSandboxDir() ? '' : ` --dir ${dir}`;
}

export function register(program: Command): void {
  const sandbox = program.command('sandbox').description('real test servers on this machine (needs root)');

  sandbox
    .command('up')
    .description('start N client servers (and backup, S3, monitoring, log hosts) and write an operator key and a config repo into DIR')
    .option('--clients <n>', 'number of client servers', '3')
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .option('--bare', 'servers with nothing provisioned: base OS, sshd, python3, git and the docker/odoo stand-ins; no /srv/odoo, no Odoo database')
    .option('--backup-hosts <n>', 'SFTP backup hosts (0-9); with any, an S3 host (s3rver over HTTPS) too; the config repo backs up to them', '0')
    .option('--monitoring <n>', 'monitoring hosts with sshd (0-9); the config repo lists them as monitoringServers', '0')
    .option('--log-host', 'a central log host with sshd and a TLS certificate')
    .option('--rootfs', 'servers with their own Debian root filesystem (sshd, apt, python3, git in it; built once per machine, minutes); implies --bare')
    .action(async (opts: { clients: string; dir: string; bare?: boolean; backupHosts: string; monitoring: string; logHost?: boolean; rootfs?: boolean }) => {
      const r = await upSandbox({
        clients: parseClientCount(opts.clients),
        dir: opts.dir,
        bare: !!opts.bare,
        backupHosts: parseRoleHostCount('--backup-hosts', opts.backupHosts),
        monitoring: parseRoleHostCount('--monitoring', opts.monitoring),
        logHost: !!opts.logHost,
        rootfs: !!opts.rootfs,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      const { info } = r;
      const dirArg = dirOption(info.dir);
      const odoops = odoopsCommand();
      const out: string[] = [];
      out.push(
        r.alreadyRunning
          ? `sandbox already running in ${info.dir} (${info.servers.length} servers); nothing started. Run "${odoops} sandbox down${dirArg}" first to change it.`
          : `sandbox up in ${info.dir}: ${info.servers.length} servers${info.hosts.length ? ` and ${info.hosts.length} other hosts` : ''} in ${r.seconds.toFixed(1)} s`,
      );
      const width = Math.max(...info.servers.map((s) => s.client.length), ...info.hosts.map((h) => h.name.length));
      for (const s of info.servers) out.push(`  ${s.client.padEnd(width)}  ${s.user}@${s.host}:${s.port}  ${s.hostKey}  netns ${s.netns}`);
      for (const h of info.hosts) {
        const where = h.role === 's3' ? `${h.url} (bucket ${info.s3?.bucket})` : `${h.user}@${h.host}:${h.port}  ${h.hostKey}`;
        out.push(`  ${h.name.padEnd(width)}  ${where}  netns ${h.netns}  [${h.role}]`);
      }
      out.push('', 'Use it:', `  export ODOOPS_SSH_KEY=${info.privateKeyPath}`, `  ${odoops} validate --repo ${info.repoDir}`, `  ${odoops} plan --repo ${info.repoDir}`);
      for (const [name, url] of Object.entries(info.addonsRepos)) out.push(`  addons repo ${name}: ${url}`);
      if (info.caCertPath) out.push(`  TLS: certificates signed by ${info.caCertPath}`);
      if (info.backupKeyPath) out.push(`  backup hosts authorize ${info.backupKeyPath}; host keys in ${info.knownHostsPath}`);
      out.push(`  ${odoops} sandbox status${dirArg}`, `  ${odoops} sandbox down${dirArg}`);
      if (odoops !== 'odoops') out.push('', `("odoops" is not on PATH: run "npm link" in ${path.dirname(path.dirname(odoops))} to type odoops instead)`);
      if (r.warning) out.push('', `warning: ${r.warning}`);
      process.stdout.write(out.join('\n') + '\n');
    });

  sandbox
    .command('down')
    .description('stop every host of the sandbox and remove everything it made')
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .action(async (opts: { dir: string }) => {
      const { found } = await downSandbox({ dir: opts.dir });
      process.stdout.write(found ? `sandbox in ${path.resolve(opts.dir)} is down\n` : `no sandbox in ${path.resolve(opts.dir)}: nothing to do\n`);
    });

  sandbox
    .command('fault')
    .description('inject a fault into one host (a client server, or backup1, monitoring1, log, s3 for link faults)')
    .argument('<client>', 'client name or host name')
    .addArgument(new Argument('<fault>', FAULTS.join('|')).choices(FAULTS as string[]))
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .action(async (client: string, fault: string, opts: { dir: string }) => {
      await sandboxFault({ dir: opts.dir, client, fault: fault as Fault });
      process.stdout.write(`${client}: ${fault} done\n`);
    });

  sandbox
    .command('status')
    .description('show every host of the sandbox, its role, address and what runs on it')
    .option('--dir <dir>', DIR_HELP, defaultSandboxDir())
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { dir: string; json?: boolean }) => {
      const st = await sandboxStatus(opts.dir);
      if (!st) throw new UsageError(`no sandbox in ${path.resolve(opts.dir)}: run ${odoopsCommand()} sandbox up${dirOption(opts.dir)}`);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ dir: st.state.dir, running: st.running, status: st.state.status, hosts: st.hosts }, null, 2) + '\n');
        return;
      }
      const servers = st.hosts.filter((h) => h.role === 'client').length;
      const others = st.hosts.length - servers;
      const lines = [
        `sandbox in ${st.state.dir}: ${st.running ? st.state.status : 'stopped (stale: run down)'}, ${servers} servers${others ? `, ${others} other hosts` : ''}`,
      ];
      const on = (b: boolean) => (b ? 'up' : 'DOWN');
      const w = Math.max(...st.hosts.map((s) => s.name.length));
      for (const h of st.hosts) {
        const services = Object.entries(h.services).map(([name, up]) => `${name} ${on(up)}`).join('  ');
        lines.push(`  ${h.name.padEnd(w)}  ${h.role.padEnd(10)}  ${h.host.padEnd(14)}  link ${on(h.link)}  ${services}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
