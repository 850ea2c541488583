/**
 * odoops serve: the operator as one long-running process (operator/server): the forge's
 * webhooks (GitLab or GitHub, fleet.yaml `operator.forge`) driving the MR flow, a
 * level-triggered scheduler (config refresh, queued applies whose window opened, scheduled
 * drift), /healthz and /metrics, JSON logs; a graceful stop on SIGTERM or SIGINT.
 *
 * Secrets are references resolved on start: the webhook secret (fleet.yaml
 * `operator.forge.webhookSecret`, or --webhook-secret) and the forge token; without a
 * webhook secret it refuses to start.
 */
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import { createForge } from '../forge/index.ts';
import { resolveSecret } from '../secrets/index.ts';
import { createLogger } from '../server/log.ts';
import { startMrOperator, type MrOperator } from '../server/mr/index.ts';
import { collectFleetStatus } from '../status/collect.ts';
import { attachStatusPage } from '../status/routes.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { addSshOptions, checkSshKey, positiveNumber, sshSettings, type SshFlags } from './flags.ts';

interface ServeOptions extends SshFlags {
  listen: string;
  stateDir?: string;
  repo?: string;
  rev?: string;
  interval: string;
  concurrency?: string;
  webhookSecret?: string;
  logLevel: string;
  managedFiles?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('run the operator: MR webhooks, applies within windows, scheduled drift, the status page, /healthz and /metrics')
    .addOption(new Option('--listen <host:port>', 'address to listen on (port 0: any free port)').default('127.0.0.1:8080'))
    .option('--state-dir <dir>', 'operator state (queued applies, holds, MR records, drift schedule, seen deliveries) (default: $XDG_STATE_HOME/odoops, else ~/.local/state/odoops)')
    .option('--repo <path|url>', 'config repo: local path or git URL, mirrored under a lock (default: current directory)')
    .option('--rev <rev>', 'branch or revision to follow (default: HEAD)')
    .addOption(new Option('--interval <seconds>', 'seconds between passes: config refresh, due applies, scheduled drift').default('60'))
    .option('--concurrency <n>', 'background jobs at once, over all clients (default: operator.concurrency of fleet.yaml)')
    .option('--webhook-secret <ref>', 'secret reference (env:NAME or file:PATH) of the webhook secret (default: fleet.yaml operator.forge.webhookSecret)');
  addSshOptions(cmd)
    .option('--managed-files', 'applies and drift checks also cover the files odoops keeps on servers (security baseline, NRPE, Traefik, rsyslog, backups) and Nagios on the monitoring servers')
    .addOption(new Option('--log-level <level>', 'least severe log level written').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts: ServeOptions) => {
      await serve(opts);
    });
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got "${value}"`);
  return { host: (m[1] ?? m[2])!, port };
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'odoops');
}

async function serve(opts: ServeOptions): Promise<void> {
  const listen = parseListen(opts.listen);
  const intervalMs = positiveNumber(opts.interval, '--interval') * 1000;
  const concurrencyFlag = opts.concurrency === undefined ? undefined : positiveNumber(opts.concurrency, '--concurrency', { integer: true });
  const ssh = sshSettings(opts);
  if (opts.webhookSecret !== undefined) resolveSecret(opts.webhookSecret, { where: '--webhook-secret' });
  checkSshKey(opts);
  const repo = opts.repo ?? process.cwd();
  // The forge and its secrets come from the config repo itself: read it once before starting.
  const desired = await loadDesiredState({ repo, ...(opts.rev ? { rev: opts.rev } : {}) });
  const forgeConfig = desired.fleet.operator.forge;
  if (!forgeConfig) throw new OdoopsError('fleet.yaml has no operator.forge: odoops serve answers GitLab or GitHub webhooks, so it needs the forge (kind, url, project, token, webhookSecret)');
  const secretRef = opts.webhookSecret ?? forgeConfig.webhookSecret;
  if (!secretRef) {
    throw new OdoopsError('no webhook secret: set fleet.yaml operator.forge.webhookSecret to a secret reference (env:NAME or file:PATH); odoops serve refuses to run webhooks nobody can authenticate');
  }
  const webhookSecret = resolveSecret(secretRef, { where: opts.webhookSecret !== undefined ? '--webhook-secret' : 'fleet.yaml operator.forge.webhookSecret' });
  const token = resolveSecret(forgeConfig.token, { where: 'fleet.yaml operator.forge.token' });
  const forge = createForge(forgeConfig);
  const log = createLogger({ level: opts.logLevel, secrets: new Set([webhookSecret, token]) });
  const concurrency = concurrencyFlag ?? desired.fleet.operator.concurrency;

  // Signals that arrive while starting are honoured once started.
  let stopRequested = false;
  let operator: MrOperator | null = null;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      const snap = operator?.queue.snapshot();
      log.warn({ event: 'signal', signal, running: snap?.running.map((j) => j.id) ?? [] }, `${signal} again: still waiting for running jobs to end`);
      return;
    }
    stopRequested = true;
    log.info({ event: 'signal', signal }, `${signal}: stopping`);
    if (operator) void operator.stop().then(stopped);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    operator = await startMrOperator({
      listen,
      stateDir: opts.stateDir ?? defaultStateDir(),
      concurrency,
      intervalMs,
      log,
      repo,
      ...(opts.rev ? { rev: opts.rev } : {}),
      forge,
      webhookSecret,
      settings: { ssh, concurrency: desired.fleet.operator.concurrency, ...(opts.managedFiles ? { managedFiles: true } : {}) },
    });
    // The status page at / (operator/status/): the fleet as the config repo and the servers say.
    const running = operator;
    attachStatusPage(running.router, { desired: () => running.config.current?.desired ?? null, collect: (d) => collectFleetStatus(d, { ssh, now: running.clock.now }) }, { refreshSeconds: 60 });
    if (stopRequested) void operator.stop().then(stopped);
    await done;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
