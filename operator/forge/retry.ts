/**
 * Bounded retries of one forge request. Transient errors (5xx, 429/rate limits, network,
 * timeouts) are retried a few times with exponential back-off, or after exactly the wait the
 * platform asked for (Retry-After, rate-limit reset) when that wait is short; a longer wait
 * ends the call with the transient error and its `retryAfterMs`, so the caller's queue can
 * reschedule instead of holding a worker. Terminal errors are never retried.
 */
import { ForgeError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  /** Back-off before the first retry; doubled for each further one. */
  baseDelayMs: number;
  /** Back-off cap. */
  maxDelayMs: number;
  /** A platform-requested wait longer than this is not slept through: the error is returned. */
  maxRetryAfterMs: number;
  /** Injected in tests to observe waits without waiting. */
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1000,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How long to wait before retry number `retry` (1-based) after `err`, or null to give up. */
export function retryDelay(err: ForgeError, retry: number, policy: RetryPolicy): number | null {
  if (!err.transient || retry >= policy.attempts) return null;
  if (err.retryAfterMs !== null) return err.retryAfterMs <= policy.maxRetryAfterMs ? err.retryAfterMs : null;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
}

/** Runs `attempt` until it succeeds, fails terminally or the policy gives up. */
export async function withRetries<T>(attempt: () => Promise<T>, toForgeError: (err: unknown) => ForgeError, policy: RetryPolicy): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (raw) {
      const err = toForgeError(raw);
      const wait = retryDelay(err, n, policy);
      if (wait === null) throw err;
      await policy.sleep(wait);
    }
  }
}
