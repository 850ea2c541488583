/** The plan runner: desired vs live for the selected clients; changes nothing. */
import { planExitCode } from '../plan/plan.ts';
import type { Plan } from '../plan/types.ts';
import type { ClientOutcome } from '../reconcile/index.ts';
import { planClientResult, type ClientResult } from './result.ts';
import { monitoringOf, reconcileTarget, type RunSettings } from './run.ts';
import type { MonitoringOutcome } from '../managed/monitoring.ts';
import type { Target } from './target.ts';
import type { FleetSpec } from '../desired/types.ts';

export interface PlanRun {
  revision: string;
  /** The fleet's settings at that revision (forge, time zone). */
  fleet: FleetSpec;
  outcomes: ClientOutcome[];
  plans: Plan[];
  results: ClientResult[];
  /** `terraform plan -detailed-exitcode`: 0 no changes, 1 a server could not be read, 2 changes. */
  /** With managedFiles: Nagios on each monitoring server. */
  monitoring?: MonitoringOutcome[];
  exitCode: 0 | 1 | 2;
}

export async function runPlan(target: Target, settings: RunSettings = {}): Promise<PlanRun> {
  const outcomes = await reconcileTarget(target, 'plan', settings);
  const plans = outcomes.map((o) => o.plan);
  const monitoring = await monitoringOf(target, 'plan', settings);
  return { revision: target.desired.revision, fleet: target.desired.fleet, outcomes, plans, results: plans.map(planClientResult), ...(monitoring ? { monitoring } : {}), exitCode: planExitCode(plans) };
}
