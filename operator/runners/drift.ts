/**
 * The drift runner: a plan read as drift. Kept thin on purpose: what drift reports (pending
 * vs drift, the drift issue) is decided elsewhere; this only runs the shared flow.
 */
import { driftExitCode, driftOf } from '../plan/plan.ts';
import type { DriftReport } from '../plan/types.ts';
import type { ClientOutcome } from '../reconcile/index.ts';
import { planClientResult, type ClientResult } from './result.ts';
import { monitoringOf, reconcileTarget, type RunSettings } from './run.ts';
import type { MonitoringOutcome } from '../managed/monitoring.ts';
import type { Target } from './target.ts';

export interface DriftRun {
  revision: string;
  outcomes: ClientOutcome[];
  report: DriftReport;
  results: ClientResult[];
  /** With managedFiles: Nagios on each monitoring server. */
  monitoring?: MonitoringOutcome[];
  exitCode: 0 | 1 | 2;
}

export async function runDrift(target: Target, settings: RunSettings = {}): Promise<DriftRun> {
  const outcomes = await reconcileTarget(target, 'plan', settings);
  const plans = outcomes.map((o) => o.plan);
  const report = driftOf(plans);
  const monitoring = await monitoringOf(target, 'plan', settings);
  return { revision: target.desired.revision, outcomes, report, results: plans.map(planClientResult), ...(monitoring ? { monitoring } : {}), exitCode: driftExitCode(report) };
}
