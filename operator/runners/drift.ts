/**
 * The drift runner: a plan read as drift. Kept thin on purpose: what drift means (pending vs
 * drift, operator/drift/) and the drift issue are decided elsewhere; this only runs the
 * shared flow and classifies what it read.
 */
import { driftStatusExitCode } from '../drift/classify.ts';
import { driftStatusOf } from '../drift/observe.ts';
import type { FleetDriftStatus } from '../drift/types.ts';
import type { FleetSpec } from '../desired/types.ts';
import type { ClientOutcome } from '../reconcile/index.ts';
import { planClientResult, type ClientResult } from './result.ts';
import { monitoringOf, reconcileTarget, type RunSettings } from './run.ts';
import type { MonitoringOutcome } from '../managed/monitoring.ts';
import type { Target } from './target.ts';

export interface DriftRun {
  revision: string;
  /** The fleet's settings at that revision (forge, time zone). */
  fleet: FleetSpec;
  outcomes: ClientOutcome[];
  /** Per client: in sync, pending (with its window), drift, needs a person, unreachable. */
  status: FleetDriftStatus;
  results: ClientResult[];
  /** With managedFiles: Nagios on each monitoring server. */
  monitoring?: MonitoringOutcome[];
  /** `--detailed-exitcode`: 0 no drift (pending allowed), 1 a server could not be read, 2 drift or a person needed. */
  exitCode: 0 | 1 | 2;
}

export async function runDrift(target: Target, settings: RunSettings = {}): Promise<DriftRun> {
  const outcomes = await reconcileTarget(target, 'plan', settings);
  const now = settings.now ?? (() => new Date());
  const status = driftStatusOf(target.clients, outcomes, target.desired.revision, now(), settings.env ?? process.env);
  const monitoring = await monitoringOf(target, 'plan', settings);
  return {
    revision: target.desired.revision, fleet: target.desired.fleet, outcomes, status, results: outcomes.map((o) => planClientResult(o.plan)),
    ...(monitoring ? { monitoring } : {}), exitCode: driftStatusExitCode(status),
  };
}
