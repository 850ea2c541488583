/**
 * What plan, apply and drift share on the command line: the options that select a revision,
 * clients and SSH settings, and progress on stderr. The flow itself is in operator/runners/.
 */
import type { Command } from 'commander';
import { describeSource } from '../desired/source.ts';
import type { ConnectOptions } from '../live/ssh.ts';
import { loadTarget, selectsInstances, type RunSettings, type Target } from '../runners/index.ts';
import { parseShard } from '../runners/shard.ts';
import { UsageError } from '../util/errors.ts';
import { cliClock } from './clock.ts';
import { addSshOptions, checkSshKey, positiveNumber, sshSettings, type SshFlags } from './flags.ts';
import { startProgress } from './progress.ts';

export interface FleetCommandOptions extends SshFlags {
  repo?: string;
  rev?: string;
  client?: string[];
  changedSince?: string;
  json?: boolean;
  concurrency?: string;
  /** Also the files odoops keeps on servers (operator/managed/) and Nagios on the monitoring servers. */
  managedFiles?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  shard?: string;
}

export function addFleetOptions(cmd: Command): Command {
  cmd
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD; plan and drift read the working tree when it has uncommitted changes)')
    .option('--client <name...>', 'only these clients (repeatable); CLIENT/INSTANCE for one instance (e.g. shop/test)')
    .option('--changed-since <rev>', 'only clients whose resolved desired state differs from REV (e.g. the MR target)')
    .option('--json', 'print the result as JSON');
  return addSshOptions(cmd)
    .option('--concurrency <n>', 'servers worked on at once (default: operator.concurrency of fleet.yaml, else 20)')
    .option('--managed-files', 'also the files odoops keeps on servers (security baseline, NRPE, Traefik, rsyslog) and Nagios on the monitoring servers')
    .option('-q, --quiet', 'no progress on stderr, only the result')
    .option('-v, --verbose', 'without a terminal: one progress line per step of each server and instance')
    .option('--shard <i/n>', 'only the clients of shard I of N (stable hash of client names; CI: "$CI_NODE_INDEX/$CI_NODE_TOTAL")');
}

/** Loads and selects what a fleet command works on; the worktree note goes to stderr. */
export async function fleetTarget(opts: FleetCommandOptions, mode: 'plan' | 'apply'): Promise<Target> {
  // Without --rev, plan and drift read a dirty working tree; apply records a revision on each
  // server, so it refuses one (only commits are applied).
  const target = await loadTarget({
    repo: opts.repo, rev: opts.rev, worktree: mode === 'apply' ? 'commit' : 'read', clients: opts.client, changedSince: opts.changedSince,
    ...(opts.shard !== undefined ? { shard: parseShard(opts.shard) } : {}),
  });
  if (target.desired.source.kind === 'worktree') process.stderr.write(`odoops: reading the ${describeSource(target.desired.source)} (--rev HEAD reads the last commit)\n`);
  return target;
}

/** SSH, concurrency and clock from the flags; a missing or unreadable key is one error for the whole run. */
export function fleetSettings(opts: FleetCommandOptions): { ssh: ConnectOptions; concurrency?: number; now: () => Date } {
  if (opts.quiet && opts.verbose) throw new UsageError('--quiet and --verbose cannot be used together');
  const concurrency = opts.concurrency === undefined ? undefined : positiveNumber(opts.concurrency, '--concurrency', { integer: true });
  const ssh = sshSettings(opts);
  if (opts.shard !== undefined) parseShard(opts.shard);
  // The files kept on a server (Traefik routes, NRPE checks) cover all its instances: rendered from one instance they would drop the others'.
  if (opts.managedFiles && selectsInstances(opts.client)) throw new UsageError('--managed-files works on whole clients: name clients without /INSTANCE');
  checkSshKey(opts);
  return { ssh, ...(concurrency !== undefined ? { concurrency } : {}), now: cliClock() };
}

/**
 * One fleet command: flags -> target -> runner, with progress on stderr (the runner is the
 * same one the server and the scheduler call).
 */
export async function withFleet<R>(opts: FleetCommandOptions, mode: 'plan' | 'apply', run: (target: Target, settings: RunSettings) => Promise<R>): Promise<R> {
  const settings = fleetSettings(opts);
  const target = await fleetTarget(opts, mode);
  const progress = startProgress(target.clients.map((c) => c.name), { enabled: !opts.json && !opts.quiet, verbose: !!opts.verbose });
  try {
    return await run(target, { ...settings, ...(opts.managedFiles ? { managedFiles: true } : {}), onProgress: (e) => progress.update(e) });
  } finally {
    progress.stop();
  }
}

export { selectClients } from '../runners/index.ts';
