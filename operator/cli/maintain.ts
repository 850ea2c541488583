/**
 * odoops maintain: OS updates of the selected clients inside their maintenance windows
 * (operator/maintain/). --kind security: security updates only (unattended-upgrade, in
 * maintenance.security); --kind os: every update within the release (in maintenance.os).
 * Without --kind, each client gets the kind whose window is open now (os when both are).
 */
import { Option, type Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import { describeSource } from '../desired/source.ts';
import { maintainClient } from '../maintain/run.ts';
import { maintenanceExitCode, renderMaintenanceText } from '../maintain/report.ts';
import type { MaintenanceKind, MaintenanceRun } from '../maintain/types.ts';
import { windowDecision } from '../maintain/window.ts';
import { toJson } from '../report/index.ts';
import { UsageError } from '../util/errors.ts';
import { selectClients } from './fleet.ts';
import { addSourceOptions, addSshOptions, positiveNumber, sshSettings, type SourceFlags, type SshFlags } from './flags.ts';

interface MaintainOptions extends SourceFlags, SshFlags {
  client?: string[];
  kind?: MaintenanceKind;
  ignoreWindows?: boolean;
  json?: boolean;
  concurrency?: string;
}

export function register(program: Command): void {
  const cmd = addSourceOptions(program.command('maintain').description('apply OS updates inside the maintenance windows: snapshot, hold Odoo, apt, reboot if required, health checks'))
    .option('--client <name...>', 'only these clients (repeatable)')
    .addOption(new Option('--kind <kind>', 'security: security updates (maintenance.security window); os: every update within the release (maintenance.os)').choices(['security', 'os']))
    .option('--ignore-windows', 'run now even outside the window (refused where the window says manualSync: false); needs --kind')
    .option('--json', 'print the runs as JSON');
  addSshOptions(cmd)
    .option('--concurrency <n>', 'servers maintained at once (default 4)')
    .action(async (opts: MaintainOptions) => {
      if (opts.ignoreWindows && !opts.kind) throw new UsageError('--ignore-windows needs --kind security or --kind os');
      const ssh = sshSettings(opts);
      const concurrency = opts.concurrency === undefined ? 4 : positiveNumber(opts.concurrency, '--concurrency', { integer: true });
      const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev, worktree: 'read' });
      if (desired.source.kind === 'worktree' && !opts.json) process.stderr.write(`odoops: reading the ${describeSource(desired.source)}\n`);
      const clients = selectClients(desired.clients, opts.client);
      const runs: MaintenanceRun[] = new Array(clients.length);
      let next = 0;
      const worker = async () => {
        while (next < clients.length) {
          const i = next++;
          const spec = clients[i]!;
          const kind = opts.kind ?? pickKind(spec);
          runs[i] = await maintainClient(spec, {
            kind,
            ignoreWindows: opts.ignoreWindows,
            ssh,
            onStep: opts.json ? undefined : (e) => {
              if (e.phase === 'start') process.stderr.write(`${e.client}: ${e.step}${e.instance ? ` ${e.instance}` : ''}...\n`);
            },
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
      process.stdout.write(opts.json ? `${toJson(runs, { indent: 2 })}\n` : renderMaintenanceText(runs));
      process.exitCode = maintenanceExitCode(runs);
    });
}

/** The kind whose window is open now: os when both are (it includes the security updates), else security. */
function pickKind(spec: Parameters<typeof windowDecision>[0]): MaintenanceKind {
  const at = new Date();
  if (windowDecision(spec, 'os', at, false).go) return 'os';
  return 'security';
}
