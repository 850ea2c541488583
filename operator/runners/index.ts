/**
 * The runners: one flow per command (plan, apply, drift) — load the desired state, select
 * clients, reconcile, typed result — shared by the CLI, the webhook server and the scheduler.
 */
export { loadTarget, narrow, parseClientSelector, restrictInstances, selectClients, selectsInstances, selectTargets, type Target, type TargetOptions } from './target.ts';
export type { RunSettings } from './run.ts';
export { runPlan, type PlanRun } from './plan.ts';
export { runApply, instanceTimeZone, waitingOf, type ApplyRun, type ApplySettings, type WaitingInstance } from './apply.ts';
export { runDrift, type DriftRun } from './drift.ts';
export * from './result.ts';
