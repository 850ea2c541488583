/**
 * odoops serve: the operator as one long-running process (operator/server): webhook
 * endpoints, a level-triggered scheduler (config refresh, due applies, scheduled drift),
 * /healthz and /metrics, JSON logs; a graceful stop on SIGTERM or SIGINT.
 *
 * Wired today: scheduled drift (report-only, one job per client, results in the state store
 * and metrics). Not yet: the forge decoders and the MR flow (deliveries and due applies are
 * logged, nothing acts on them) — they plug into `wire` below.
 */
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import type { ClientSpec } from '../desired/types.ts';
import { sshKeyPath, type ConnectOptions } from '../live/ssh.ts';
import { classifyClient, clientDriftResult } from '../drift/classify.ts';
import { observationOf } from '../drift/observe.ts';
import { reconcile } from '../reconcile/index.ts';
import { resolveSecret } from '../secrets/index.ts';
import { operatorDue } from '../server/due.ts';
import type { RunDrift } from '../server/drift-schedule.ts';
import { startOperator, type RunningOperator } from '../server/index.ts';
import { collectFleetStatus } from '../status/collect.ts';
import { attachStatusPage } from '../status/routes.ts';
import { createLogger } from '../server/log.ts';
import type { RunPendingApply } from '../server/pending-applies.ts';
import type { DriftResult } from '../server/state.ts';
import type { Decoder, Platform } from '../server/webhooks.ts';
import { OdoopsError, UsageError, errorMessage } from '../util/errors.ts';
import { positiveNumber } from './fleet.ts';

interface ServeOptions {
  listen: string;
  stateDir?: string;
  repo?: string;
  rev?: string;
  interval: string;
  concurrency: string;
  webhookSecret: string;
  sshKey?: string;
  connectTimeout: string;
  logLevel: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the operator: webhooks, scheduled drift, queued applies, /healthz and /metrics')
    .addOption(new Option('--listen <host:port>', 'address to listen on (port 0: any free port)').default('127.0.0.1:8080'))
    .option('--state-dir <dir>', 'operator state (queued applies, holds, drift schedule, seen deliveries) (default: $XDG_STATE_HOME/odoops, else ~/.local/state/odoops)')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch or revision to follow (default: HEAD)')
    .addOption(new Option('--interval <seconds>', 'seconds between passes: config refresh, due applies, scheduled drift').default('60'))
    .addOption(new Option('--concurrency <n>', 'background jobs at once, over all clients').default('4'))
    .addOption(new Option('--webhook-secret <ref>', 'secret reference (env:NAME or file:PATH) of the webhook token/secret').default('env:ODOOPS_WEBHOOK_SECRET'))
    .option('--ssh-key <path>', 'private key for SSH (default: $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519)')
    .addOption(new Option('--connect-timeout <seconds>', 'SSH connection timeout').default('10'))
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
  const concurrency = positiveNumber(opts.concurrency, '--concurrency', { integer: true });
  const readyTimeoutMs = positiveNumber(opts.connectTimeout, '--connect-timeout') * 1000;
  // Refuse to start rather than run webhooks nobody can authenticate.
  const webhookSecret = resolveSecret(opts.webhookSecret, { where: '--webhook-secret' });
  const keyPath = sshKeyPath(opts.sshKey);
  try {
    readFileSync(keyPath);
  } catch (err) {
    throw new OdoopsError(`cannot read SSH private key ${keyPath} (set --ssh-key or ODOOPS_SSH_KEY): ${errorMessage(err)}`);
  }
  const secrets = new Set([webhookSecret]);
  const log = createLogger({ level: opts.logLevel, secrets });
  const ssh: ConnectOptions = { readyTimeoutMs, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) };

  // Signals that arrive while starting are honoured once started.
  let stopRequested = false;
  let operator: RunningOperator | null = null;
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
    operator = await startOperator<unknown>({
      listen,
      stateDir: opts.stateDir ?? defaultStateDir(),
      concurrency,
      intervalMs,
      log,
      loadConfig: () => loadDesiredState({ repo: opts.repo, rev: opts.rev }),
      decoders: unwiredDecoders(),
      wire: (core) => ({
        onDelivery: (d) => core.log.info({ event: 'delivery', platform: d.platform, deliveryId: d.deliveryId }, 'delivery accepted (the MR flow is not wired yet: nothing to do)'),
        due: operatorDue({ store: core.store, clock: core.clock, runDrift: driftCheck(ssh, core.clock.now), runApply: unwiredApply }),
      }),
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

/**
 * Until the forge layer is wired in, no delivery can be authenticated, so every one is
 * refused (401) and nothing runs.
 */
function unwiredDecoders(): Record<Platform, Decoder<unknown>> {
  const refuse: Decoder<unknown> = () => ({ kind: 'unauthorized', reason: 'webhook verification is not wired in yet (forge layer)' });
  return { gitlab: refuse, github: refuse };
}

class NotWiredError extends OdoopsError {
  readonly code = 'not-wired';
  readonly transient = false;
}

const unwiredApply: RunPendingApply = async (client, pending) => {
  throw new NotWiredError(`${client}: pending apply of ${pending.revision.slice(0, 12)} not run: the apply runner is not wired in yet`);
};

/**
 * Report-only drift check of one client: read the server, plan against the desired state,
 * say whether anything differs. Changes nothing, so stopping it midway is harmless; it
 * stops before connecting when the operator is stopping.
 */
function driftCheck(ssh: ConnectOptions, now: () => Date): RunDrift {
  return async (client: ClientSpec, config, ctx): Promise<DriftResult | null> => {
    if (ctx.signal.aborted) return null;
    const outcome = await reconcile(client, config.revision, { mode: 'plan', ssh, now, runId: ctx.id });
    if (!outcome.live.reachable) return 'unreachable';
    // Drift means the server moved since odoops applied; a change waiting for its window is pending.
    return clientDriftResult(classifyClient(observationOf(client, outcome)));
  };
}
