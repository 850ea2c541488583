/**
 * Prometheus metrics of the operator (prom-client, one registry per operator so several can
 * live in one process). Counters and the duration histogram follow the queue's events;
 * gauges are read from the queue, the state store and the config at scrape time, so they
 * are never stale and survive a restart with the state they describe.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConfigSource } from './config-source.ts';
import { driftingClients } from './drift-schedule.ts';
import type { QueueEvent, WorkQueue } from './queue.ts';
import type { StateStore } from './state.ts';

/** How a webhook delivery was answered. */
export type DeliveryResult = 'accepted' | 'duplicate' | 'unauthorized' | 'malformed' | 'unsupported' | 'too_large' | 'unavailable' | 'error';

export interface MetricSources {
  queue: WorkQueue;
  store: StateStore;
  config: ConfigSource;
}

/** The `result` label of a finished job: the job's own result word, or what became of it. */
export function outcomeLabel(outcome: Extract<QueueEvent, { type: 'finished' }>['outcome']): string {
  return outcome.status === 'succeeded' ? outcome.result : outcome.status;
}

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'kind' | 'result'>;
  private readonly durations: Histogram<'kind' | 'result'>;
  private readonly deliveries: Counter<'platform' | 'result'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.runs = new Counter({
      name: 'odoops_runs_total',
      help: 'Background jobs that ended, by kind (plan, apply, drift, ...) and result (the job result, failed, superseded, cancelled).',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.durations = new Histogram({
      name: 'odoops_run_duration_seconds',
      help: 'Duration of background jobs that ran, by kind and result.',
      labelNames: ['kind', 'result'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.deliveries = new Counter({
      name: 'odoops_webhook_deliveries_total',
      help: 'Webhook deliveries by forge and how they were answered.',
      labelNames: ['platform', 'result'],
      registers,
    });
    new Gauge({
      name: 'odoops_jobs',
      help: 'Background jobs queued or running now, by kind.',
      labelNames: ['state', 'kind'],
      registers,
      collect() {
        this.reset();
        const snap = sources.queue.snapshot();
        for (const [state, jobs] of [['queued', snap.queued], ['running', snap.running]] as const) {
          for (const j of jobs) this.inc({ state, kind: j.kind });
        }
      },
    });
    new Gauge({
      name: 'odoops_queued_applies',
      help: 'Clients with a merged change waiting for an update window.',
      registers,
      collect() {
        this.set(Object.keys(sources.store.state.pendingApplies).length);
      },
    });
    new Gauge({
      name: 'odoops_held_clients',
      help: 'Clients held by a merge request (odoops apply before merge).',
      registers,
      collect() {
        this.set(Object.keys(sources.store.state.holds).length);
      },
    });
    new Gauge({
      name: 'odoops_drifting_clients',
      help: 'Clients whose last scheduled drift check found drift: the server changed since odoops applied (or needs a person).',
      registers,
      collect() {
        const clients = sources.config.current?.desired.clients.map((c) => c.name) ?? Object.keys(sources.store.state.drift.clients);
        this.set(driftingClients(sources.store.state.drift, clients).length);
      },
    });
    new Gauge({
      name: 'odoops_pending_clients',
      help: 'Clients whose last scheduled drift check found changes not applied yet (waiting for a window, queued, blocked), and no drift.',
      registers,
      collect() {
        const clients = sources.config.current?.desired.clients.map((c) => c.name) ?? Object.keys(sources.store.state.drift.clients);
        this.set(clients.filter((c) => sources.store.state.drift.clients[c]?.result === 'pending').length);
      },
    });
    new Gauge({
      name: 'odoops_last_successful_drift_run_timestamp_seconds',
      help: 'When the last scheduled drift run checked every client without failure (Unix time; 0: never).',
      registers,
      collect() {
        const at = sources.store.state.drift.lastSuccessAt;
        this.set(at ? Date.parse(at) / 1000 : 0);
      },
    });
    new Gauge({
      name: 'odoops_config_last_fetch_timestamp_seconds',
      help: 'When the config repo was last read successfully (Unix time; 0: never).',
      registers,
      collect() {
        const at = sources.config.status().fetchedAt;
        this.set(at ? Date.parse(at) / 1000 : 0);
      },
    });
  }

  /** Follows a queue: every ended job counts once, with its duration when it ran. */
  observe(queue: WorkQueue): void {
    queue.on((e) => {
      if (e.type !== 'finished') return;
      const result = outcomeLabel(e.outcome);
      this.runs.inc({ kind: e.job.kind, result });
      if (e.outcome.status === 'succeeded' || e.outcome.status === 'failed') {
        this.durations.observe({ kind: e.job.kind, result }, e.outcome.durationMs / 1000);
      }
    });
  }

  delivery(platform: string, result: DeliveryResult): void {
    this.deliveries.inc({ platform, result });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
