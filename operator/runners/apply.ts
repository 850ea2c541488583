/**
 * The apply runner: each selected server taken to the desired state where its update window
 * is open; the rest wait, and the run says until when (per instance, from the plan's window).
 */
import type { ApplyResult } from '../apply/types.ts';
import type { ClientSpec } from '../desired/types.ts';
import type { ClientOutcome } from '../reconcile/index.ts';
import { applyExitCode } from '../report/apply.ts';
import { applyClientResult, type ClientResult } from './result.ts';
import { monitoringOf, reconcileTarget, type RunSettings } from './run.ts';
import type { MonitoringOutcome } from '../managed/monitoring.ts';
import type { Target } from './target.ts';

export interface ApplySettings extends RunSettings {
  ignoreWindows?: boolean;
  lockWaitMs?: number;
  healthTimeoutMs?: number;
}

/** An instance left waiting for its window: when it opens, in the client's own time zone. */
export interface WaitingInstance {
  instance: string;
  /** ISO time; null when no opening is found within the horizon (a person must look). */
  nextOpening: string | null;
  timeZone: string;
}

export interface ApplyRun {
  revision: string;
  outcomes: ClientOutcome[];
  applies: ApplyResult[];
  results: ClientResult[];
  /** Per client, the instances waiting for their window. */
  waiting: Record<string, WaitingInstance[]>;
  /** 1 when a server could not be worked on or an instance failed, was rolled back or is blocked. */
  /** With managedFiles: Nagios on each monitoring server. */
  monitoring?: MonitoringOutcome[];
  exitCode: 0 | 1;
}

/** The time zone people of that client read times in: the instance's first window's, else the fleet's. */
export function instanceTimeZone(spec: ClientSpec | undefined, instance: string, fallback: string): string {
  return spec?.instances.find((i) => i.name === instance)?.windows[0]?.timeZone ?? fallback;
}

export function waitingOf(outcome: ClientOutcome, spec: ClientSpec | undefined, fleetZone: string): WaitingInstance[] {
  const out: WaitingInstance[] = [];
  for (const i of outcome.apply?.instances ?? []) {
    if (i.outcome !== 'waiting' || i.reason?.code !== 'window-closed') continue;
    const window = outcome.plan.instances.find((p) => p.instance === i.instance)?.window;
    out.push({ instance: i.instance, nextOpening: window?.nextOpening ?? null, timeZone: instanceTimeZone(spec, i.instance, fleetZone) });
  }
  return out;
}

export async function runApply(target: Target, settings: ApplySettings = {}): Promise<ApplyRun> {
  const outcomes = await reconcileTarget(target, 'apply', settings, {
    ...(settings.ignoreWindows !== undefined ? { ignoreWindows: settings.ignoreWindows } : {}),
    ...(settings.lockWaitMs !== undefined ? { lockWaitMs: settings.lockWaitMs } : {}),
    ...(settings.healthTimeoutMs !== undefined ? { healthTimeoutMs: settings.healthTimeoutMs } : {}),
  });
  // reconcile always answers in apply mode; the fallback only guards against a missing one.
  const applies: ApplyResult[] = outcomes.map(
    (o) => o.apply ?? { client: o.client, revision: target.desired.revision, error: { code: 'internal', message: 'no apply result' }, instances: [], durationMs: o.durationMs },
  );
  const specs = new Map(target.clients.map((c) => [c.name, c]));
  const zone = target.desired.fleet.timezone;
  const waiting = Object.fromEntries(outcomes.map((o) => [o.client, waitingOf(o, specs.get(o.client), zone)]));
  const monitoring = await monitoringOf(target, 'apply', settings);
  return { revision: target.desired.revision, outcomes, applies, results: applies.map(applyClientResult), waiting, ...(monitoring ? { monitoring } : {}), exitCode: applyExitCode(applies) };
}
