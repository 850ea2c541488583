/**
 * The status the page shows: read at most once per `maxAgeMs` (reading it connects to every
 * server), one read at a time; requests arriving meanwhile share it. A failed read keeps the
 * last good status.
 */
import type { FleetStatus } from './types.ts';

export class StatusCache {
  private last: { status: FleetStatus; at: number } | null = null;
  private reading: Promise<FleetStatus | null> | null = null;
  private error: string | null = null;

  constructor(
    private readonly read: () => Promise<FleetStatus | null>,
    private readonly maxAgeMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Why the last read failed, if it did. */
  get lastError(): string | null {
    return this.error;
  }

  async get(): Promise<FleetStatus | null> {
    if (this.last && this.nowMs() - this.last.at < this.maxAgeMs) return this.last.status;
    this.reading ??= this.read()
      .then((status) => {
        if (status) this.last = { status, at: this.nowMs() };
        this.error = null;
        return status ?? this.last?.status ?? null;
      })
      .catch((err: unknown) => {
        this.error = err instanceof Error ? err.message : String(err);
        return this.last?.status ?? null;
      })
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }
}
