/**
 * `odoops serve` as a library: the state directory, the work queue, the scheduler, the
 * webhook, health and metrics routes, and the logs, put together. What happens on a
 * delivery and what is due on a tick are injected (`wire`), so the MR flow plugs in without
 * touching this, and tests drive everything with their own handlers and clock.
 */
import type { Logger } from 'pino';
import type { DesiredState } from '../desired/types.ts';
import { systemClock, type Clock } from './clock.ts';
import { ConfigSource } from './config-source.ts';
import { DEFAULT_DELIVERY_LIMITS, DeliveryLog, type DeliveryLogLimits } from './deliveries.ts';
import { listen, Router, sendJson, type HttpServer } from './http.ts';
import { OperatorMetrics, outcomeLabel } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { Scheduler, type DueFn, type TickResult } from './scheduler.ts';
import { claimStateDir, type StateDirClaim } from './state-dir.ts';
import { StateStore } from './state.ts';
import { addWebhookRoutes, type Decoder, type DeliveryHandler, type Platform } from './webhooks.ts';
import { OdoopsError, errorMessage } from '../util/errors.ts';

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** What handlers get to work with. */
export interface OperatorCore {
  clock: Clock;
  log: Logger;
  queue: WorkQueue;
  store: StateStore;
  config: ConfigSource;
  /** Asks for a pass now (e.g. after a push to the config repo); ticks never overlap. */
  tick(): Promise<TickResult>;
}

/** The behaviour plugged into the operator: what a delivery queues, what a tick finds due. */
export interface Wiring<E> {
  onDelivery: DeliveryHandler<E>;
  due: DueFn;
}

export interface OperatorOptions<E> {
  listen: { host: string; port: number };
  stateDir: string;
  /** Jobs running at once, over all clients. */
  concurrency: number;
  /** Time between scheduler ticks. */
  intervalMs: number;
  /** Reads the desired state (fetching the config repo first). */
  loadConfig(): Promise<DesiredState>;
  decoders: Record<Platform, Decoder<E>>;
  wire(core: OperatorCore): Wiring<E>;
  log: Logger;
  clock?: Clock;
  maxBodyBytes?: number;
  deliveryLimits?: DeliveryLogLimits;
  /** Start ticking on the interval (default true). Tests call tick() themselves. */
  autoTick?: boolean;
}

export type OperatorPhase = 'starting' | 'ready' | 'stopping' | 'stopped';

export interface Health {
  status: OperatorPhase;
  ready: boolean;
  startedAt: string;
  config: ReturnType<ConfigSource['status']>;
  jobs: { queued: number; running: number };
  pendingApplies: number;
  heldClients: number;
}

export interface RunningOperator extends OperatorCore {
  url: string;
  port: number;
  /** Add routes here (e.g. the status page at GET /). */
  router: Router;
  metrics: OperatorMetrics;
  scheduler: Scheduler;
  health(): Health;
  /**
   * Graceful stop: webhooks answered 503, no more ticks, queued jobs cancelled, running
   * jobs signalled (AbortSignal) and waited for; then the port and the state directory
   * are released. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

export async function startOperator<E>(opts: OperatorOptions<E>): Promise<RunningOperator> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const claim: StateDirClaim = claimStateDir(opts.stateDir);
  let http: HttpServer | null = null;
  try {
    const deliveries = new DeliveryLog(claim.dir, clock, opts.deliveryLimits ?? DEFAULT_DELIVERY_LIMITS);
    const store = new StateStore(claim.dir, clock);
    const queue = new WorkQueue({ concurrency: opts.concurrency, clock });
    const config = new ConfigSource(opts.loadConfig, clock);
    const metrics = new OperatorMetrics({ queue, store, config });
    metrics.observe(queue);
    logJobs(queue, log);

    // Starting until the first config read succeeds; ready from then on, until stop().
    let stopPhase: 'stopping' | 'stopped' | null = null;
    const phase = (): OperatorPhase => stopPhase ?? (config.current ? 'ready' : 'starting');
    const startedAt = clock.now().toISOString();
    let scheduler!: Scheduler;
    const core: OperatorCore = { clock, log, queue, store, config, tick: () => scheduler.tick() };
    const wiring = opts.wire(core);
    scheduler = new Scheduler({
      clock,
      config,
      queue,
      due: wiring.due,
      intervalMs: opts.intervalMs,
      onTick: (r) => {
        if (r.config.ok) log.debug({ event: 'tick', revision: r.config.revision, queued: r.queued }, 'tick');
        else log.warn({ event: 'tick', error: r.config.error, usedRevision: r.config.usedRevision, queued: r.queued }, 'config repo refresh failed');
        if (r.dueError) log.error({ event: 'tick', error: r.dueError }, 'cannot work out what is due');
        if (r.queued.length) log.info({ event: 'tick', queued: r.queued }, `queued ${r.queued.length} due job(s)`);
      },
    });

    const health = (): Health => {
      const snap = queue.snapshot();
      const state = store.state;
      return {
        status: phase(),
        ready: phase() === 'ready',
        startedAt,
        config: config.status(),
        jobs: { queued: snap.queued.length, running: snap.running.length },
        pendingApplies: Object.keys(state.pendingApplies).length,
        heldClients: Object.keys(state.holds).length,
      };
    };

    const router = new Router();
    router.add('GET', '/healthz', (_req, res) => {
      const h = health();
      sendJson(res, h.ready ? 200 : 503, h);
    });
    router.add('GET', '/metrics', async (_req, res) => {
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(text);
    });
    addWebhookRoutes(router, {
      decoders: opts.decoders,
      handler: wiring.onDelivery,
      deliveries,
      metrics,
      log,
      clock,
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      accepting: () => stopPhase === null,
    });

    try {
      http = await listen(router, { host: opts.listen.host, port: opts.listen.port, log });
    } catch (err) {
      throw new OdoopsError(`cannot listen on ${opts.listen.host}:${opts.listen.port}: ${errorMessage(err)}`);
    }
    const server = http;
    log.info({ event: 'started', url: server.url, stateDir: claim.dir, concurrency: opts.concurrency, intervalMs: opts.intervalMs }, `odoops serve listening on ${server.url}`);
    if (opts.autoTick ?? true) scheduler.start();

    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        stopPhase = 'stopping';
        const snap = queue.snapshot();
        log.info({ event: 'stopping', running: snap.running.map((j) => j.id), cancelled: snap.queued.map((j) => j.id) }, `stopping: waiting for ${snap.running.length} running job(s), ${snap.queued.length} queued job(s) will not start`);
        server.stopAccepting();
        await scheduler.stop();
        await queue.stop();
        await server.close();
        claim.release();
        stopPhase = 'stopped';
        log.info({ event: 'stopped' }, 'odoops serve stopped');
      })();
      return stopping;
    };

    return { ...core, url: server.url, port: server.port, router, metrics, scheduler, health, stop };
  } catch (err) {
    if (http) await http.close().catch(() => undefined);
    claim.release();
    throw err;
  }
}

/** One line per job start and end, with the job's context (client, mr, revision) and its run id. */
function logJobs(queue: WorkQueue, log: Logger): void {
  queue.on((e) => {
    const base = { runId: e.job.id, kind: e.job.kind, key: e.job.key, ...e.job.context };
    if (e.type === 'queued') {
      log.debug({ event: 'job-queued', ...base, ...(e.supersedes ? { supersedes: e.supersedes.id } : {}) }, 'job queued');
      if (e.supersedes) log.info({ event: 'job-superseded', ...base, superseded: e.supersedes.id }, `${e.job.kind} for ${e.job.key} supersedes a queued older one`);
    } else if (e.type === 'started') {
      log.info({ event: 'job-started', ...base }, `${e.job.kind} ${e.job.key} started`);
    } else {
      const o = e.outcome;
      const result = outcomeLabel(o);
      const fields = {
        event: 'job-finished',
        ...base,
        result,
        ...(o.status === 'succeeded' || o.status === 'failed' ? { durationMs: Math.round(o.durationMs) } : {}),
        ...(o.status === 'failed' ? { error: o.error } : {}),
      };
      if (o.status === 'failed') log.error(fields, `${e.job.kind} ${e.job.key} failed: ${o.error.message}`);
      else log.info(fields, `${e.job.kind} ${e.job.key}: ${result}`);
    }
  });
}
