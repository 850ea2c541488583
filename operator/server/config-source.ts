/**
 * The config repo as the operator sees it: the last desired state read successfully, and
 * one way to refresh it. Refreshes never overlap in this process (the config-repo mirror is
 * one directory): a caller arriving while a fetch runs waits for one follow-up fetch that
 * starts after the running one, so it never gets a state older than its request; every
 * caller arriving meanwhile shares that same follow-up.
 */
import type { DesiredState } from '../desired/types.ts';
import type { Clock } from './clock.ts';
import { errorMessage } from '../util/errors.ts';

export interface ConfigSnapshot {
  /** Commit SHA the desired state was read at. */
  revision: string;
  desired: DesiredState;
  fetchedAt: Date;
}

export interface ConfigStatus {
  /** A desired state was read at least once. */
  loaded: boolean;
  revision: string | null;
  fetchedAt: string | null;
  /** The last refresh failed: why (the last good state stays in use). */
  lastError: { message: string; at: string } | null;
}

export class ConfigSource {
  private last: ConfigSnapshot | null = null;
  private error: { message: string; at: string } | null = null;
  private running: Promise<ConfigSnapshot> | null = null;
  private followUp: Promise<ConfigSnapshot> | null = null;

  constructor(private readonly load: () => Promise<DesiredState>, private readonly clock: Clock) {}

  get current(): ConfigSnapshot | null {
    return this.last;
  }

  status(): ConfigStatus {
    return {
      loaded: this.last !== null,
      revision: this.last?.revision ?? null,
      fetchedAt: this.last?.fetchedAt.toISOString() ?? null,
      lastError: this.error,
    };
  }

  /** Fetches the config repo and reads the desired state; rejects when that fails. */
  refresh(): Promise<ConfigSnapshot> {
    if (this.followUp) return this.followUp;
    if (!this.running) return this.begin();
    this.followUp = this.running
      .catch(() => undefined)
      .then(() => {
        // One synchronous step: the follow-up becomes the running fetch, no gap between.
        const next = this.begin();
        this.followUp = null;
        return next;
      });
    return this.followUp;
  }

  private begin(): Promise<ConfigSnapshot> {
    const run = (async () => {
      try {
        const desired = await this.load();
        this.last = { revision: desired.revision, desired, fetchedAt: this.clock.now() };
        this.error = null;
        return this.last;
      } catch (err) {
        this.error = { message: errorMessage(err), at: this.clock.now().toISOString() };
        throw err;
      }
    })();
    this.running = run;
    void run.then(
      () => this.ended(run),
      () => this.ended(run),
    );
    return run;
  }

  private ended(run: Promise<ConfigSnapshot>): void {
    if (this.running === run) this.running = null;
  }
}
