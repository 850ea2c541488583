/**
 * Typed results of the runners, the same for every trigger (CLI, webhook server, scheduler).
 * Each client ends in one status with the reasons behind it; every reason has a code, and
 * every code says whether it is transient (retry later) or terminal (needs a person).
 * Comments, commit statuses and exit codes are computed from these, never from text.
 */
import type { ApplyResult } from '../apply/types.ts';
import { managedFailed } from '../report/managed.ts';
import type { Plan, Reason, ReasonCode } from '../plan/types.ts';
import { TRANSIENT } from '../plan/types.ts';
import { OdoopsError } from '../util/errors.ts';

/** Codes a run adds to the plan's reason codes. */
export type RunOnlyCode =
  /** An instance's apply failed and nothing was rolled back (or could be). */
  | 'apply-failed'
  /** An instance's apply failed and was rolled back to its pre-change snapshot. */
  | 'rolled-back'
  /** The config repo at that revision does not validate. */
  | 'config-invalid'
  /** The config repo could not be fetched or read. */
  | 'config-unavailable';

export type RunCode = ReasonCode | RunOnlyCode;

export const RUN_TRANSIENT: Readonly<Record<RunCode, boolean>> = {
  ...TRANSIENT,
  'apply-failed': false,
  'rolled-back': false,
  'config-invalid': false,
  'config-unavailable': true,
};

export interface RunReason {
  code: RunCode;
  message: string;
  /** The instance it is about, when it is about one. */
  instance?: string;
}

export function isTransient(code: RunCode): boolean {
  return RUN_TRANSIENT[code];
}

/**
 * Where one client stands after a run:
 * - in-sync: nothing differs (plan) or nothing was left to do (apply);
 * - changes: a plan found actions to run;
 * - applied: an apply changed the server and everything it had to do is done;
 * - waiting: some instance waits (window closed, lock held, a transient refusal);
 * - blocked: some instance cannot go until a person acts (major upgrade, marker, ...);
 * - failed: an apply failed or was rolled back;
 * - unreachable: the server could not be read or worked on at all.
 */
export type ClientStatus = 'in-sync' | 'changes' | 'applied' | 'waiting' | 'blocked' | 'failed' | 'unreachable';

export interface ClientResult {
  client: string;
  status: ClientStatus;
  reasons: RunReason[];
  /** Every reason is transient: a later run may succeed without anyone acting. */
  transient: boolean;
}

function result(client: string, status: ClientStatus, reasons: RunReason[]): ClientResult {
  return { client, status, reasons, transient: reasons.every((r) => isTransient(r.code)) };
}

const withInstance = (r: Reason, instance?: string): RunReason => ({ code: r.code, message: r.message, ...(instance ? { instance } : {}) });

export function planClientResult(plan: Plan): ClientResult {
  if (plan.unreachable) return result(plan.client, 'unreachable', [withInstance(plan.unreachable)]);
  const blocked = plan.instances.filter((i) => i.blocked).map((i) => withInstance(i.blocked!, i.instance));
  if (blocked.length) return result(plan.client, 'blocked', blocked);
  return result(plan.client, plan.instances.some((i) => i.actions.length > 0) ? 'changes' : 'in-sync', []);
}

export function applyClientResult(apply: ApplyResult): ClientResult {
  if (apply.error) {
    const status: ClientStatus = apply.error.code === 'locked' ? 'waiting' : 'unreachable';
    return result(apply.client, status, [withInstance(apply.error)]);
  }
  const reasons: RunReason[] = [];
  let status: ClientStatus = 'in-sync';
  const rank: Record<ClientStatus, number> = { 'in-sync': 0, changes: 1, applied: 2, waiting: 3, blocked: 4, failed: 5, unreachable: 6 };
  const raise = (s: ClientStatus) => {
    if (rank[s] > rank[status]) status = s;
  };
  for (const i of apply.instances) {
    switch (i.outcome) {
      case 'applied':
        raise('applied');
        break;
      case 'unchanged':
        break;
      case 'waiting':
      case 'skipped':
        raise('waiting');
        reasons.push(i.reason ? withInstance(i.reason, i.instance) : { code: 'internal', message: i.detail ?? i.outcome, instance: i.instance });
        break;
      case 'blocked':
        raise('blocked');
        reasons.push(i.reason ? withInstance(i.reason, i.instance) : { code: 'internal', message: i.detail ?? 'blocked', instance: i.instance });
        break;
      case 'rolled-back':
        raise('failed');
        reasons.push({ code: 'rolled-back', message: i.detail ?? 'rolled back', instance: i.instance });
        break;
      case 'failed':
        raise('failed');
        reasons.push(i.reason ? withInstance(i.reason, i.instance) : { code: 'apply-failed', message: i.detail ?? 'failed', instance: i.instance });
        break;
    }
  }
  // The files odoops keeps on the server (operator/managed/) count like an instance.
  if (managedFailed(apply.managed)) {
    raise('failed');
    const m = apply.managed!;
    const failed = m.actions.filter((a) => a.outcome !== 'applied').length;
    reasons.push({ code: 'apply-failed', message: m.error ? `managed files: ${m.error.message}` : `managed files: ${failed} not applied` });
  }
  return result(apply.client, status, reasons);
}

/** A run that could not even start (config unreadable or invalid): typed like any job failure. */
export class RunError extends OdoopsError {
  readonly transient: boolean;
  constructor(readonly code: RunCode, message: string) {
    super(message);
    this.transient = isTransient(code);
  }
}
