/**
 * What the operator finds due on a tick: pending applies whose window opened, then the
 * scheduled drift checks. The two actions are injected (the MR flow and the drift runner
 * own them); the bookkeeping in the state store stays here.
 */
import type { Clock } from './clock.ts';
import { scheduledDriftJobs, type OnDriftFireComplete, type RunDrift } from './drift-schedule.ts';
import { pendingApplyJobs, type RunPendingApply } from './pending-applies.ts';
import type { DueFn, DueJob } from './scheduler.ts';
import type { StateStore } from './state.ts';

export function operatorDue(opts: { store: StateStore; clock: Clock; runDrift: RunDrift; runApply: RunPendingApply; onDriftFireComplete?: OnDriftFireComplete }): DueFn {
  return (now, config) => {
    const jobs: DueJob[] = [];
    jobs.push(...pendingApplyJobs({ store: opts.store, now, runApply: opts.runApply }));
    jobs.push(...scheduledDriftJobs({ store: opts.store, clock: opts.clock, config, now, runDrift: opts.runDrift, ...(opts.onDriftFireComplete ? { onFireComplete: opts.onDriftFireComplete } : {}) }));
    return jobs;
  };
}
