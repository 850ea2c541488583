/**
 * Nagios on the fleet's monitoring servers, kept like a client server's managed files: each
 * monitoring server is an SSH target (pinned host key, its own lock); the configuration
 * generated from the whole inventory is written there, checked with `nagios4 -v`, then
 * Nagios is reloaded. One server unreachable is reported for that server only: it never
 * fails the client applies, and the other monitoring servers are still updated.
 */
import type { ClientSpec, FleetSpec, MonitoringServerSpec, ServerSpec } from '../desired/types.ts';
import { serviceReload } from '../host/managed.ts';
import { newRunId, tryLock } from '../apply/lock.ts';
import { connectSsh, HostKeyMismatchError, type ConnectOptions, type HostSession } from '../live/ssh.ts';
import type { Reason } from '../plan/types.ts';
import { renderNagios } from '../render/nagios.ts';
import { RenderError } from '../render/types.ts';
import { errorMessage } from '../util/errors.ts';
import { applyManaged } from './apply.ts';
import { planManaged } from './plan.ts';
import { probeManaged } from './probe.ts';
import type { ManagedApplyResult, ManagedPlan, ManagedRendering } from './types.ts';

export interface MonitoringOutcome {
  /** The monitoring server's name (fleet.yaml monitoringServers[].name). */
  server: string;
  plan: ManagedPlan;
  /** In apply mode: what was done (or why nothing could be). */
  apply?: ManagedApplyResult;
}

export interface MonitoringOptions {
  mode: 'plan' | 'apply';
  ssh?: ConnectOptions;
  runId?: string;
  lockWaitMs?: number;
  now?: () => Date;
}

/** The Nagios configuration as a managed unit (the same files for every monitoring server). */
export function nagiosRendering(fleet: FleetSpec, clients: readonly ClientSpec[]): ManagedRendering {
  const r = renderNagios(fleet, clients);
  return { ...r, unit: 'nagios', activate: [serviceReload('nagios4')], safe: true, guard: 'none' };
}

const serverSpec = (m: MonitoringServerSpec): ServerSpec => ({ host: m.host, port: m.port, user: m.user, hostKey: m.hostKey ?? '', os: '' });

/** Plan (and apply) Nagios on every monitoring server, one after the other. */
export async function reconcileMonitoring(fleet: FleetSpec, clients: readonly ClientSpec[], opts: MonitoringOptions): Promise<MonitoringOutcome[]> {
  let rendering: ManagedRendering | null = null;
  let refused: Reason | null = null;
  try {
    rendering = nagiosRendering(fleet, clients);
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    refused = { code: 'render-refused', message: `nagios: ${err.message}` };
  }
  const out: MonitoringOutcome[] = [];
  for (const m of fleet.monitoringServers) out.push(await oneServer(m, rendering, refused, opts));
  return out;
}

async function oneServer(m: MonitoringServerSpec, rendering: ManagedRendering | null, refused: Reason | null, opts: MonitoringOptions): Promise<MonitoringOutcome> {
  const empty = (r: Reason): MonitoringOutcome => {
    const plan: ManagedPlan = { target: m.name, drift: [], actions: [], refused: [], blocked: r };
    return { server: m.name, plan, ...(opts.mode === 'apply' ? { apply: { target: m.name, error: r, actions: [] } } : {}) };
  };
  if (!m.hostKey) return empty({ code: 'host-key-mismatch', message: `monitoring server ${m.name} has no pinned hostKey in fleet.yaml: odoops does not push to it` });
  if (!rendering) return empty(refused!);
  let session: HostSession;
  try {
    session = await connectSsh(m.name, serverSpec(m), opts.ssh);
  } catch (err) {
    return empty({ code: err instanceof HostKeyMismatchError ? 'host-key-mismatch' : 'unreachable', message: errorMessage(err) });
  }
  try {
    const observe = async () => planManaged({ target: m.name, renderings: [rendering], live: await probeManaged(session, [rendering]) });
    let plan = await observe();
    if (opts.mode === 'plan' || plan.blocked || plan.actions.length === 0) {
      return { server: m.name, plan, ...(opts.mode === 'apply' ? { apply: { target: m.name, ...(plan.blocked ? { error: plan.blocked } : {}), actions: [] } } : {}) };
    }
    const runId = opts.runId ?? newRunId();
    const lock = await tryLock(session, m.name, { runId, waitMs: opts.lockWaitMs ?? 0, now: (opts.now ?? (() => new Date()))() });
    if (!lock.acquired) return { server: m.name, plan, apply: { target: m.name, error: lock.reason, actions: [] } };
    try {
      plan = await observe();
      const apply = await applyManaged(session, plan, [rendering], { runId, reconnect: () => connectSsh(m.name, serverSpec(m), opts.ssh) });
      return { server: m.name, plan, apply };
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
}
