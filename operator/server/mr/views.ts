/**
 * From typed run results to what an MR shows: the operator's record of each client's apply,
 * and the commit status states. Decided from outcomes and codes only.
 */
import type { ApplyResult } from '../../apply/types.ts';
import { describeAction } from '../../report/format.ts';
import type { ClientResult } from '../../runners/index.ts';
import type { WaitingInstance } from '../../runners/index.ts';
import type { StatusState } from '../../forge/types.ts';
import type { MrApplyInstance } from '../../report/mr.ts';
import type { MrClientApply, MrRecord } from '../state.ts';

const FAILURE_MAX = 1500;

function trimOutput(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n').slice(-20).join('\n');
  return lines.length > FAILURE_MAX ? `…${lines.slice(-FAILURE_MAX)}` : lines;
}

/** One client's apply as the MR record keeps it. */
export function clientApplyView(apply: ApplyResult, result: ClientResult, waiting: WaitingInstance[], at: Date): MrClientApply {
  const waits = new Map(waiting.map((w) => [w.instance, w]));
  const instances: MrApplyInstance[] = apply.instances.map((i) => {
    const durationMs = i.actions.reduce((n, a) => n + a.durationMs, 0);
    const failed = i.actions.find((a) => a.outcome === 'failed');
    const w = waits.get(i.instance);
    return {
      instance: i.instance,
      outcome: i.outcome,
      ...(i.detail ? { detail: i.detail } : {}),
      ...(durationMs > 0 ? { durationMs } : {}),
      ...(w ? { nextOpening: w.nextOpening, timeZone: w.timeZone } : {}),
      ...(failed ? { failure: trimOutput(`$ ${failed.command ?? describeAction(failed.action)}\n${failed.output ?? ''}`) } : {}),
    };
  });
  return {
    revision: apply.revision,
    updatedAt: at.toISOString(),
    status: result.status,
    ...(apply.error
      ? { note: `${apply.error.message} (${apply.error.code}${result.transient ? ', retried later' : ''})` }
      : result.reasons.some((r) => !r.instance)
        ? { note: result.reasons.filter((r) => !r.instance).map((r) => r.message).join('; ') }
        : {}),
    instances,
  };
}

/** The status description of a plan whose clients another MR holds. */
export function queuedBehindText(mrs: string[]): string {
  return `queued behind ${mrs.join(', ')}`;
}

/** The plan status: failed when a server could not be read or something is blocked for good. */
export function planStatus(results: ClientResult[], queuedBehind: string[]): { state: StatusState; description: string } {
  const bad = results.filter((r) => (r.status === 'unreachable' || r.status === 'blocked') && !r.transient);
  if (bad.length) return { state: 'failed', description: `${bad.map((r) => `${r.client}: ${r.reasons[0]?.code ?? r.status}`).join(', ')}` };
  const unknown = results.filter((r) => r.status === 'unreachable');
  if (unknown.length) return { state: 'failed', description: `cannot read ${unknown.map((r) => r.client).join(', ')} (retried on the next push or "odoops plan")` };
  if (queuedBehind.length) return { state: 'pending', description: queuedBehindText(queuedBehind) };
  const changes = results.filter((r) => r.status === 'changes').length;
  return { state: 'success', description: changes ? `${changes} client(s) with changes` : 'no changes' };
}

const DONE = new Set(['applied', 'unchanged']);

/** The apply status: pending until every instance is applied; failed as soon as one failed or is blocked. */
export function applyStatus(record: MrRecord): { state: StatusState; description: string } {
  const clients = Object.entries(record.apply?.clients ?? {});
  const failed = clients.filter(([, c]) => c.status === 'failed' || c.status === 'blocked' || c.instances.some((i) => i.outcome === 'failed' || i.outcome === 'rolled-back' || i.outcome === 'blocked'));
  if (failed.length) return { state: 'failed', description: `${failed.map(([n]) => n).join(', ')}: failed or blocked` };
  const open = clients.filter(([, c]) => c.status !== 'superseded' && c.status !== 'removed' && (c.instances.length === 0 ? c.status !== 'in-sync' && c.status !== 'applied' : c.instances.some((i) => !DONE.has(i.outcome))));
  if (open.length) return { state: 'pending', description: `waiting: ${open.map(([n, c]) => (c.note ? `${n} (${c.note})` : n)).join(', ')}` };
  return { state: 'success', description: 'every instance applied' };
}
