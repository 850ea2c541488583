/**
 * Merged changes waiting for a window (persisted in the state store, so they survive a
 * restart): a client's pending apply is due once one of its waiting instances' windows has
 * opened, unless another MR holds the client. The apply itself (re-plan at the pending
 * revision, apply where the window is open now) is injected; its answer says which
 * instances still wait, and the store is updated from it in one place.
 */
import type { JobContext } from './queue.ts';
import type { DueJob } from './scheduler.ts';
import { mrLabel, sameMr, type OperatorState, type PendingApply, type ReadonlyDeep, type StateStore, type WaitingInstance } from './state.ts';

/** What an apply of a pending change left waiting (empty: everything applied, or nothing to do). */
export interface PendingApplyResult {
  waiting: Record<string, WaitingInstance>;
}

/**
 * Applies a client's pending change. Returns null when it stopped at a safe point before
 * changing anything (operator stopping): the entry stays and is due again after a restart.
 * Expected failures (window closed again, server unreachable) are answers, not throws: a
 * throw leaves the entry as it was and the next tick tries again.
 */
export type RunPendingApply = (client: string, pending: PendingApply, ctx: JobContext) => Promise<PendingApplyResult | null>;

export interface PendingApplyOutcome {
  client: string;
  revision: string;
  result: 'applied' | 'waiting' | 'stopped';
  waiting: string[];
}

export interface DuePending {
  client: string;
  pending: ReadonlyDeep<PendingApply>;
}

/** Pending applies with a window opened at `now`, minus clients held by another MR. */
export function pendingAppliesDue(state: ReadonlyDeep<OperatorState>, now: Date): DuePending[] {
  const out: DuePending[] = [];
  for (const [client, pending] of Object.entries(state.pendingApplies)) {
    const opened = Object.values(pending.instances).some((i) => i.nextOpening !== null && Date.parse(i.nextOpening) <= now.getTime());
    if (!opened) continue;
    const hold = state.holds[client];
    if (hold && !(pending.mr && sameMr(hold.mr, pending.mr))) continue;
    out.push({ client, pending });
  }
  return out;
}

/** The due pending applies as jobs (kind "apply", one per client; a newer one supersedes a queued older one). */
export function pendingApplyJobs(opts: { store: StateStore; now: Date; runApply: RunPendingApply }): DueJob<PendingApplyOutcome>[] {
  const { store, now, runApply } = opts;
  return pendingAppliesDue(store.state, now).map(({ client, pending }) => {
    const snapshot = structuredClone(pending) as PendingApply;
    return {
      key: client,
      kind: 'apply',
      dueKey: `apply:${client}@${snapshot.revision}`,
      context: { client, revision: snapshot.revision, ...(snapshot.mr ? { mr: mrLabel(snapshot.mr) } : {}) },
      resultOf: (o) => o.result,
      run: async (ctx): Promise<PendingApplyOutcome> => {
        const answer = await runApply(client, snapshot, ctx);
        if (answer === null) return { client, revision: snapshot.revision, result: 'stopped', waiting: Object.keys(snapshot.instances) };
        store.settleApply(client, snapshot.revision, answer.waiting);
        const waiting = Object.keys(answer.waiting);
        return { client, revision: snapshot.revision, result: waiting.length ? 'waiting' : 'applied', waiting };
      },
    };
  });
}
