/**
 * What plan, apply and drift share: the options that select a revision, clients and SSH
 * settings, and one run of reconcileFleet over the selected clients with progress.
 */
import { Option, type Command } from 'commander';
import { loadDesiredState, touchedClients } from '../desired/load.ts';
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import { describeSource } from '../desired/source.ts';
import { readFileSync } from 'node:fs';
import { sshKeyPath } from '../live/ssh.ts';
import { reconcileFleet, type ClientOutcome, type ReconcileOptions } from '../reconcile/index.ts';
import { reconcileMonitoring, type MonitoringOutcome } from '../managed/monitoring.ts';
import { OdoopsError, UsageError, errorMessage } from '../util/errors.ts';
import { unknownClientMessage } from './clients.ts';
import { cliClock } from './clock.ts';
import { startProgress } from './progress.ts';
import { inShard, parseShard } from './shard.ts';

export interface FleetCommandOptions {
  repo?: string;
  rev?: string;
  client?: string[];
  changedSince?: string;
  json?: boolean;
  sshKey?: string;
  connectTimeout: string;
  concurrency?: string;
  /** Also the files odoops keeps on servers (operator/managed/) and Nagios on the monitoring servers. */
  managedFiles?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  shard?: string;
}

export function addFleetOptions(cmd: Command): Command {
  return cmd
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD; plan and drift read the working tree when it has uncommitted changes)')
    .option('--client <name...>', 'only these clients (repeatable)')
    .option('--changed-since <rev>', 'only clients whose resolved desired state differs from REV (e.g. the MR target)')
    .option('--json', 'print the result as JSON')
    .option('--ssh-key <path>', 'private key for SSH (default: $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519)')
    .addOption(new Option('--connect-timeout <seconds>', 'SSH connection timeout').default('10'))
    .option('--concurrency <n>', 'servers worked on at once (default: operator.concurrency of fleet.yaml, else 20)')
    .option('--managed-files', 'also the files odoops keeps on servers (security baseline, NRPE, Traefik, rsyslog) and Nagios on the monitoring servers')
    .option('-q, --quiet', 'no progress on stderr, only the result')
    .option('-v, --verbose', 'without a terminal: one progress line per step of each server and instance')
    .option('--shard <i/n>', 'only the clients of shard I of N (stable hash of client names; CI: "$CI_NODE_INDEX/$CI_NODE_TOTAL")');
}

export function positiveNumber(value: string, flag: string, { integer = false } = {}): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be a positive ${integer ? 'whole number' : 'number'}, got "${value}"`);
  }
  return n;
}

export function selectClients(all: ClientSpec[], wanted: string[] | undefined): ClientSpec[] {
  if (!wanted || wanted.length === 0) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  const unknown = wanted.filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new UsageError(unknownClientMessage(unknown, all.map((c) => c.name)));
  }
  return [...new Set(wanted)].map((n) => byName.get(n)!);
}

export interface FleetRun {
  revision: string;
  outcomes: ClientOutcome[];
  /** With --managed-files: Nagios on each monitoring server (an unreachable one is reported there, never failing the clients). */
  monitoring?: MonitoringOutcome[];
  /** The selected clients' desired state, in the order of outcomes. */
  clients: ClientSpec[];
  fleet: FleetSpec;
  /** The run's clock (ODOOPS_NOW moves it, see clock.ts). */
  now: () => Date;
}

export async function runFleet(
  opts: FleetCommandOptions,
  mode: ReconcileOptions['mode'],
  extra: Omit<ReconcileOptions, 'mode' | 'ssh' | 'onProgress'> = {},
): Promise<FleetRun> {
  if (opts.quiet && opts.verbose) throw new UsageError('--quiet and --verbose cannot be used together');
  const concurrencyFlag = opts.concurrency === undefined ? undefined : positiveNumber(opts.concurrency, '--concurrency', { integer: true });
  const readyTimeoutMs = positiveNumber(opts.connectTimeout, '--connect-timeout') * 1000;
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  const now = extra.now ?? cliClock();
  // A missing or unreadable key is one error for the whole run, not one "unreachable" per server.
  const keyPath = sshKeyPath(opts.sshKey);
  try {
    readFileSync(keyPath);
  } catch (err) {
    throw new OdoopsError(`cannot read SSH private key ${keyPath} (set --ssh-key or ODOOPS_SSH_KEY): ${errorMessage(err)}`);
  }
  // Without --rev, plan and drift read a dirty working tree; apply records a revision on each
  // server, so it refuses one (only commits are applied).
  const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev, worktree: mode === 'apply' ? 'commit' : 'read' });
  if (desired.source.kind === 'worktree') process.stderr.write(`odoops: reading the ${describeSource(desired.source)} (--rev HEAD reads the last commit)\n`);
  let clients = inShard(selectClients(desired.clients, opts.client), shard);
  if (opts.changedSince !== undefined) {
    const touched = new Set(await touchedClients({ repo: opts.repo, from: opts.changedSince, to: desired.source }));
    clients = clients.filter((c) => touched.has(c.name));
  }
  const concurrency = concurrencyFlag ?? desired.fleet.operator.concurrency;
  const progress = startProgress(clients.map((c) => c.name), { enabled: !opts.json && !opts.quiet, verbose: !!opts.verbose });
  try {
    const outcomes = await reconcileFleet(clients, desired.revision, {
      ...extra,
      now,
      mode,
      concurrency,
      ...(opts.managedFiles ? { fleet: desired.fleet } : {}),
      ssh: { readyTimeoutMs, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) },
      onProgress: (e) => progress.update(e),
    });
    if (!opts.managedFiles) return { revision: desired.revision, outcomes, clients, fleet: desired.fleet, now };
    // The whole fleet's configuration, whichever clients were selected.
    const monitoring = await reconcileMonitoring(desired.fleet, desired.clients, { mode, ssh: { readyTimeoutMs, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) } });
    return { revision: desired.revision, outcomes, monitoring, clients, fleet: desired.fleet, now };
  } finally {
    progress.stop();
  }
}
