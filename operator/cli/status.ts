/**
 * odoops status: one row per client — OS release, image and series per instance, drift,
 * last apply, newest backup per destination, pending updates, reboot required, the next
 * maintenance windows, monitoring. Read-only. `odoops serve` serves the same at /.
 */
import { Option, type Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import { collectFleetStatus } from '../status/collect.ts';
import { renderStatusText } from '../status/text.ts';
import { toJson } from '../report/index.ts';
import { positiveNumber, selectClients } from './fleet.ts';

interface StatusOptions {
  repo?: string;
  rev?: string;
  client?: string[];
  json?: boolean;
  sshKey?: string;
  connectTimeout: string;
  concurrency?: string;
}

export function register(program: Command): void {
  program
    .command('status')
    .description('one row per client: OS, images, drift, last apply, backups, pending updates, reboot, windows (read-only)')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD)')
    .option('--client <name...>', 'only these clients (repeatable)')
    .option('--json', 'print the status as JSON')
    .option('--ssh-key <path>', 'private key for SSH (default: $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519)')
    .addOption(new Option('--connect-timeout <seconds>', 'SSH connection timeout').default('10'))
    .option('--concurrency <n>', 'servers read at once (default 8)')
    .action(async (opts: StatusOptions) => {
      const readyTimeoutMs = positiveNumber(opts.connectTimeout, '--connect-timeout') * 1000;
      const concurrency = opts.concurrency === undefined ? 8 : positiveNumber(opts.concurrency, '--concurrency', { integer: true });
      const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev, worktree: 'read' });
      const clients = selectClients(desired.clients, opts.client);
      const status = await collectFleetStatus({ clients, revision: desired.revision, fleet: desired.fleet }, {
        concurrency,
        ssh: { readyTimeoutMs, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) },
      });
      process.stdout.write(opts.json ? `${toJson(status, { indent: 2 })}\n` : renderStatusText(status));
    });
}
