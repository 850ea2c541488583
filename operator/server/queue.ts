/**
 * The operator's work queue. Every piece of background work (a plan for an MR, an apply, a
 * drift check) is a job keyed by what it must not overlap with, usually a client:
 * - serialized per key: never two jobs on one client at once;
 * - bounded overall: at most `concurrency` jobs run at a time;
 * - coalescing: a newer job with the same key and coalesce key replaces a queued older one
 *   (it takes the older one's place in line; "a newer merge supersedes an older queued one");
 * - graceful stop: nothing new starts, queued jobs are cancelled, running jobs are asked to
 *   stop at a safe point (their AbortSignal) and are waited for, never cut off.
 * Outcomes are typed; failures carry a code and whether they are transient.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from './clock.ts';
import { errorMessage } from '../util/errors.ts';

export interface JobContext {
  id: string;
  /** Aborted when the operator stops: stop at the next safe point, leave nothing half-done. */
  signal: AbortSignal;
}

export interface JobSpec<R = unknown> {
  /** Serialization unit, usually a client name. */
  key: string;
  /** What the job does ("plan", "apply", "drift", ...): a metrics label. */
  kind: string;
  /**
   * Queued jobs with the same key and coalesce key supersede each other. Default: the kind.
   * null: never superseded (e.g. one plan per MR on the same client: use "plan:!12").
   */
  coalesce?: string | null;
  /** Fields for log lines and the status page (mr, revision, ...). */
  context?: Record<string, string | number>;
  run(ctx: JobContext): Promise<R>;
  /** A short result word for metrics and logs ("applied", "queued", "drifted"); default "ok". */
  resultOf?(value: R): string;
}

/** Why a job failed, typed: transient failures are worth retrying, terminal ones need a person. */
export interface JobFailure {
  code: string;
  transient: boolean;
  message: string;
}

export type JobOutcome<R> =
  | { status: 'succeeded'; value: R; result: string; durationMs: number }
  | { status: 'failed'; error: JobFailure; durationMs: number }
  /** Replaced while queued by a newer job (its id); never started. */
  | { status: 'superseded'; by: string }
  /** Never started: the operator was stopping. */
  | { status: 'cancelled'; reason: 'stopping' };

export interface JobHandle<R> {
  id: string;
  outcome: Promise<JobOutcome<R>>;
}

export interface JobInfo {
  id: string;
  key: string;
  kind: string;
  context: Record<string, string | number>;
  queuedAt: Date;
  startedAt?: Date;
}

export type QueueEvent =
  | { type: 'queued'; job: JobInfo; supersedes?: JobInfo }
  | { type: 'started'; job: JobInfo }
  | { type: 'finished'; job: JobInfo; outcome: JobOutcome<unknown> };

interface Entry {
  info: JobInfo;
  spec: JobSpec<unknown>;
  coalesce: string | null;
  resolve(o: JobOutcome<unknown>): void;
  controller?: AbortController;
  done?: Promise<void>;
}

/** A failure's code and transience, read from typed errors (`code`, `transient`) when they have them. */
export function failureOf(err: unknown): JobFailure {
  const e = err as { code?: unknown; transient?: unknown } | null;
  const code = e && typeof e.code === 'string' ? e.code : 'internal';
  const transient = e && typeof e.transient === 'boolean' ? e.transient : false;
  return { code, transient, message: errorMessage(err) };
}

export class WorkQueue {
  private readonly queued: Entry[] = [];
  private readonly running = new Map<string, Entry>();
  private stopping = false;
  private seq = 0;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly listeners: ((e: QueueEvent) => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(opts: { concurrency: number; clock: Clock }) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a whole number >= 1, got ${opts.concurrency}`);
    this.concurrency = opts.concurrency;
    this.clock = opts.clock;
  }

  /** Observers (logs, metrics); an observer that throws does not disturb the queue. */
  on(listener: (e: QueueEvent) => void): void {
    this.listeners.push(listener);
  }

  get accepting(): boolean {
    return !this.stopping;
  }

  enqueue<R>(spec: JobSpec<R>): JobHandle<R> {
    const id = `${spec.kind}-${(++this.seq).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const info: JobInfo = { id, key: spec.key, kind: spec.kind, context: { ...(spec.context ?? {}) }, queuedAt: this.clock.now() };
    if (this.stopping) {
      const outcome: JobOutcome<R> = { status: 'cancelled', reason: 'stopping' };
      this.emit({ type: 'finished', job: info, outcome });
      return { id, outcome: Promise.resolve(outcome) };
    }
    let resolve!: (o: JobOutcome<R>) => void;
    const outcome = new Promise<JobOutcome<R>>((r) => (resolve = r));
    const coalesce = spec.coalesce === undefined ? spec.kind : spec.coalesce;
    const entry: Entry = { info, spec: spec as JobSpec<unknown>, coalesce, resolve: resolve as (o: JobOutcome<unknown>) => void };
    const older = coalesce === null ? -1 : this.queued.findIndex((e) => e.info.key === spec.key && e.coalesce === coalesce);
    if (older >= 0) {
      const replaced = this.queued[older]!;
      this.queued[older] = entry;
      this.emit({ type: 'queued', job: info, supersedes: replaced.info });
      this.settle(replaced, { status: 'superseded', by: id });
    } else {
      this.queued.push(entry);
      this.emit({ type: 'queued', job: info });
    }
    this.pump();
    return { id, outcome };
  }

  /** What is queued (in order) and running, for metrics and the status page. */
  snapshot(): { queued: JobInfo[]; running: JobInfo[] } {
    return { queued: this.queued.map((e) => ({ ...e.info })), running: [...this.running.values()].map((e) => ({ ...e.info })) };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queued.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Graceful stop: no new work, queued jobs cancelled, running jobs signalled and waited for.
   * Resolves when the last running job has ended.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const e of this.queued.splice(0)) this.settle(e, { status: 'cancelled', reason: 'stopping' });
    const running = [...this.running.values()];
    for (const e of running) e.controller!.abort(new Error('operator stopping'));
    await Promise.all(running.map((e) => e.done));
    this.notifyIdle();
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.concurrency) {
      const busy = new Set([...this.running.values()].map((e) => e.info.key));
      const i = this.queued.findIndex((e) => !busy.has(e.info.key));
      if (i < 0) break;
      const [entry] = this.queued.splice(i, 1);
      this.start(entry!);
    }
    this.notifyIdle();
  }

  private start(entry: Entry): void {
    entry.controller = new AbortController();
    entry.info.startedAt = this.clock.now();
    this.running.set(entry.info.id, entry);
    this.emit({ type: 'started', job: { ...entry.info } });
    const t0 = performance.now();
    entry.done = (async () => {
      let outcome: JobOutcome<unknown>;
      try {
        const value = await entry.spec.run({ id: entry.info.id, signal: entry.controller!.signal });
        let result = 'ok';
        try {
          result = entry.spec.resultOf ? entry.spec.resultOf(value) : 'ok';
        } catch {
          result = 'unknown';
        }
        outcome = { status: 'succeeded', value, result, durationMs: performance.now() - t0 };
      } catch (err) {
        outcome = { status: 'failed', error: failureOf(err), durationMs: performance.now() - t0 };
      }
      this.running.delete(entry.info.id);
      this.settle(entry, outcome);
      this.pump();
    })();
  }

  private settle(entry: Entry, outcome: JobOutcome<unknown>): void {
    this.emit({ type: 'finished', job: { ...entry.info }, outcome });
    entry.resolve(outcome);
  }

  private emit(e: QueueEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // An observer's bug must not stop the work.
      }
    }
  }

  private notifyIdle(): void {
    if (this.queued.length > 0 || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
