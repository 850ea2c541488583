/**
 * Level-triggered scheduling, like Flux and Argo CD: on start and on every interval, tick()
 * refreshes the config repo and asks `due(now, config)` what work is due (queued applies
 * whose window opened, scheduled drift), then queues it. Nothing depends on having seen a
 * webhook or on staying up: a missed event or a restart only delays convergence until the
 * next tick. Work already queued or running (same due key) is not queued twice.
 */
import type { Clock } from './clock.ts';
import type { ConfigSnapshot, ConfigSource } from './config-source.ts';
import type { JobSpec, WorkQueue } from './queue.ts';
import { errorMessage } from '../util/errors.ts';

export interface DueJob<R = unknown> extends JobSpec<R> {
  /**
   * Identity of this piece of due work, e.g. "drift:acme@2025-03-30T04:00:00.000Z" or
   * "apply:acme@<sha>": while a job with this key is queued or running, it is not queued again.
   */
  dueKey: string;
}

/** What is due at `now` given the config; pure with respect to the queue (it only describes jobs). */
export type DueFn = (now: Date, config: ConfigSnapshot) => DueJob[];

export interface TickResult {
  at: Date;
  /** Config refresh: fetched, or failed (the last good state, if any, was used). */
  config: { ok: true; revision: string } | { ok: false; error: string; usedRevision: string | null };
  /** Due keys queued by this tick. */
  queued: string[];
  /** Due keys found due but already queued or running. */
  alreadyInFlight: string[];
  /** due() itself failed (a bug or a bad config value): why. */
  dueError?: string;
}

export interface SchedulerOptions {
  clock: Clock;
  config: ConfigSource;
  queue: WorkQueue;
  due: DueFn;
  /** Time between the end of a tick and the start of the next. */
  intervalMs: number;
  onTick?: (r: TickResult) => void;
}

export class Scheduler {
  private readonly inFlight = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Due keys queued or running now. */
  dueInFlight(): string[] {
    return [...this.inFlight];
  }

  /** One pass; ticks never overlap (a second call runs after the first). */
  tick(): Promise<TickResult> {
    const next = this.chain.then(() => this.pass());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Ticks now, then `intervalMs` after each tick ends, until stop(). */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      void this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs);
      });
    };
    loop();
  }

  /** No more ticks; resolves when a tick in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
  }

  private async pass(): Promise<TickResult> {
    const { clock, config, queue, due } = this.opts;
    let snapshot: ConfigSnapshot | null;
    let configResult: TickResult['config'];
    try {
      snapshot = await config.refresh();
      configResult = { ok: true, revision: snapshot.revision };
    } catch (err) {
      snapshot = config.current;
      configResult = { ok: false, error: errorMessage(err), usedRevision: snapshot?.revision ?? null };
    }
    const at = clock.now();
    const result: TickResult = { at, config: configResult, queued: [], alreadyInFlight: [] };
    if (snapshot && !this.stopped && queue.accepting) {
      let jobs: DueJob[] = [];
      try {
        jobs = due(at, snapshot);
      } catch (err) {
        result.dueError = errorMessage(err);
      }
      for (const job of jobs) {
        if (this.inFlight.has(job.dueKey)) {
          result.alreadyInFlight.push(job.dueKey);
          continue;
        }
        this.inFlight.add(job.dueKey);
        const handle = queue.enqueue(job);
        result.queued.push(job.dueKey);
        void handle.outcome.then(() => this.inFlight.delete(job.dueKey));
      }
    }
    this.opts.onTick?.(result);
    return result;
  }
}
