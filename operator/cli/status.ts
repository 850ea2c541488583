/**
 * odoops status: one row per client — OS release, image and series per instance, drift,
 * last apply, newest backup per destination, pending updates, reboot required, the next
 * maintenance windows, monitoring. Read-only. `odoops serve` serves the same at /.
 */
import type { Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import { collectFleetStatus } from '../status/collect.ts';
import { renderStatusText } from '../status/text.ts';
import { toJson } from '../report/index.ts';
import { selectClients } from './fleet.ts';
import { addSourceOptions, addSshOptions, positiveNumber, sshSettings, type SourceFlags, type SshFlags } from './flags.ts';

interface StatusOptions extends SourceFlags, SshFlags {
  client?: string[];
  json?: boolean;
  concurrency?: string;
}

export function register(program: Command): void {
  const cmd = addSourceOptions(program.command('status').description('one row per client: OS, images, drift, last apply, backups, pending updates, reboot, windows (read-only)'))
    .option('--client <name...>', 'only these clients (repeatable)')
    .option('--json', 'print the status as JSON');
  addSshOptions(cmd)
    .option('--concurrency <n>', 'servers read at once (default 8)')
    .action(async (opts: StatusOptions) => {
      const ssh = sshSettings(opts);
      const concurrency = opts.concurrency === undefined ? 8 : positiveNumber(opts.concurrency, '--concurrency', { integer: true });
      const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev, worktree: 'read' });
      const clients = selectClients(desired.clients, opts.client);
      const status = await collectFleetStatus({ clients, revision: desired.revision, fleet: desired.fleet }, {
        concurrency,
        ssh,
      });
      process.stdout.write(opts.json ? `${toJson(status, { indent: 2 })}\n` : renderStatusText(status));
    });
}
