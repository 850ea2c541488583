/**
 * Managed files of one client server, as reconcile uses them: resolve the secrets the units
 * need (operator side), render, read the server, plan; and in apply mode write them.
 */
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import type { HostSession } from '../live/ssh.ts';
import { resolveSecret } from '../secrets/index.ts';
import { errorMessage } from '../util/errors.ts';
import { applyManaged, type ManagedApplyOptions } from './apply.ts';
import { planManaged } from './plan.ts';
import { probeManaged } from './probe.ts';
import { MANAGED_ENTRIES, managedRenderings, managedSecretRefs, type ManagedEntry } from './registry.ts';
import type { ManagedApplyResult, ManagedPlan, ManagedRendering } from './types.ts';

export type { ManagedApplyResult, ManagedPlan, ManagedRendering } from './types.ts';
export { managedChanges, managedHasActions } from './plan.ts';
export { managedFailed } from './apply.ts';

export interface ManagedState {
  plan: ManagedPlan;
  renderings: ManagedRendering[];
  /** Resolved secret values, for redaction. */
  secretValues: string[];
}

export interface ManagedOptions {
  env?: NodeJS.ProcessEnv;
  entries?: ManagedEntry[];
}

/** Secrets resolved, files rendered, the server read, the plan made. */
export async function observeManaged(session: HostSession, client: ClientSpec, fleet: FleetSpec, opts: ManagedOptions = {}): Promise<ManagedState> {
  const entries = opts.entries ?? MANAGED_ENTRIES;
  const secrets = new Map<string, string>();
  const unresolved: { unit: string; message: string }[] = [];
  for (const { unit, ref, where } of managedSecretRefs(client, fleet, entries)) {
    try {
      secrets.set(ref, resolveSecret(ref, { where, ...(opts.env ? { env: opts.env } : {}) }));
    } catch (err) {
      unresolved.push({ unit, message: errorMessage(err) });
    }
  }
  const secretValues = [...secrets.values()];
  const set = managedRenderings(client, fleet, secrets, { entries, unresolved });
  const live = await probeManaged(session, set.renderings);
  const plan = planManaged({ target: client.name, renderings: set.renderings, refused: set.refused, live, secretValues });
  return { plan, renderings: set.renderings, secretValues };
}

export async function applyObservedManaged(session: HostSession, state: ManagedState, opts: Omit<ManagedApplyOptions, 'secretValues'>): Promise<ManagedApplyResult> {
  return applyManaged(session, state.plan, state.renderings, { ...opts, secretValues: state.secretValues });
}
