/**
 * The second half of every run: reconcile the selected clients, at most `concurrency`
 * servers at once, stopping at a safe point (before a client is started) when asked to.
 */
import type { ApplyProgress } from '../apply/index.ts';
import type { ConnectOptions } from '../live/ssh.ts';
import { reconcileFleet, type ClientOutcome, type ReconcileOptions } from '../reconcile/index.ts';
import type { Target } from './target.ts';
import { reconcileMonitoring, type MonitoringOutcome } from '../managed/monitoring.ts';

export interface RunSettings {
  ssh?: ConnectOptions;
  /** Servers worked on at once; default the fleet's operator.concurrency. */
  concurrency?: number;
  now?: () => Date;
  runId?: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (e: ApplyProgress) => void | Promise<void>;
  /** Also the files odoops keeps on servers (operator/managed/) and Nagios on the monitoring servers. */
  managedFiles?: boolean;
}

export async function reconcileTarget(target: Target, mode: ReconcileOptions['mode'], settings: RunSettings, extra: Partial<ReconcileOptions> = {}): Promise<ClientOutcome[]> {
  return reconcileFleet(target.clients, target.desired.revision, {
    ...extra,
    mode,
    concurrency: settings.concurrency ?? target.desired.fleet.operator.concurrency,
    // With the fleet, the files odoops keeps on servers (operator/managed/) are planned and applied too.
    ...(settings.managedFiles ? { fleet: target.desired.fleet } : {}),
    ...(settings.ssh ? { ssh: settings.ssh } : {}),
    ...(settings.now ? { now: settings.now } : {}),
    ...(settings.runId ? { runId: settings.runId } : {}),
    ...(settings.env ? { env: settings.env } : {}),
    ...(settings.onProgress ? { onProgress: settings.onProgress } : {}),
  });
}

/** With managedFiles: Nagios on each monitoring server, for the whole fleet whichever clients were selected. */
export async function monitoringOf(target: Target, mode: ReconcileOptions['mode'], settings: RunSettings): Promise<MonitoringOutcome[] | undefined> {
  if (!settings.managedFiles) return undefined;
  return reconcileMonitoring(target.desired.fleet, target.desired.clients, { mode, ...(settings.ssh ? { ssh: settings.ssh } : {}) });
}
