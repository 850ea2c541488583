import type { Action } from '../plan/types.ts';

export type ActionOutcome = 'ok' | 'failed' | 'skipped';

export interface ActionResult {
  action: Action;
  outcome: ActionOutcome;
  durationMs: number;
  /** The remote command that failed, when it failed. */
  command?: string;
  /** Trimmed stdout/stderr (last lines) for failures, or notes. */
  output?: string;
}

export type InstanceOutcome = 'applied' | 'unchanged' | 'waiting' | 'blocked' | 'failed' | 'rolled-back' | 'skipped';

export interface InstanceResult {
  instance: string;
  outcome: InstanceOutcome;
  /** For waiting: next window opening; for failed/skipped/blocked: why. */
  detail?: string;
  actions: ActionResult[];
}

export interface ApplyResult {
  client: string;
  revision: string;
  /** Set when nothing could be done on this server (unreachable, lock held, host key mismatch). */
  error?: string;
  instances: InstanceResult[];
  durationMs: number;
}
