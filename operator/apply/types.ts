import type { ManagedApplyResult } from '../managed/types.ts';
import type { Action, Reason } from '../plan/types.ts';

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
  /** For humans: why it waits, is blocked, skipped, failed or was rolled back. */
  detail?: string;
  /** For machines: waiting, blocked and skipped instances say why with a code. */
  reason?: Reason;
  /** The pre-change snapshot this run took, when it took one. */
  snapshot?: string;
  /** How long odoo did not serve: from the stop (or the snapshot's stop) to its first healthy answer. */
  downtime?: Downtime;
  actions: ActionResult[];
}

/**
 * The window in which odoo did not serve (operator clock, ISO 8601): `from` just before the stop
 * was sent, `to` when the login page first answered healthy again (after the change, or after
 * the rollback); `to` null when it never did in this run.
 */
export interface Downtime {
  from: string;
  to: string | null;
  ms: number | null;
}

/** What a run found and did after taking over the stale lock of a run that died. */
export interface TakeoverReport {
  /** The dead run. */
  runId: string;
  host: string;
  since: string;
  /** Its commands the server stopped before granting the lock. */
  stoppedCommands: number;
  /** Per instance it had started on: what it was doing and what was done about it. */
  instances: { instance: string; found: string; done: string; marked: boolean }[];
}

export interface ApplyResult {
  client: string;
  revision: string;
  /** Set when nothing could be done on this server (unreachable, lock held, host key mismatch). */
  error?: Reason;
  takeover?: TakeoverReport;
  instances: InstanceResult[];
  /** Managed files written on the server in this run (operator/managed/), when planned. */
  managed?: ManagedApplyResult;
  durationMs: number;
}
