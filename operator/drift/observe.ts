/**
 * From a fleet run (probe + plan per client) to the fleet's drift status: adds what the
 * classifier needs that a plan does not carry, the digests of the secret option values the
 * desired state resolves to now (resolved here, on the operator side; values never leave).
 */
import type { ClientSpec } from '../desired/types.ts';
import type { LiveState } from '../live/types.ts';
import type { Plan } from '../plan/types.ts';
import { resolveClientSecrets } from '../reconcile/secrets.ts';
import { secretMarks } from './applied-state.ts';
import { fleetDriftStatus, type ClientObservation } from './classify.ts';
import type { FleetDriftStatus } from './types.ts';

export interface ObservedClient {
  client: string;
  live: LiveState;
  plan: Plan;
}

export function observationOf(spec: ClientSpec, o: ObservedClient, env: NodeJS.ProcessEnv = process.env): ClientObservation {
  const secrets = resolveClientSecrets(spec, env);
  const marks = Object.fromEntries(Object.entries(secrets.options).map(([instance, values]) => [instance, secretMarks(values)]));
  return { spec, live: o.live, plan: o.plan, secretMarks: marks };
}

/** The status of every observed client; `specs` must hold each observed client's spec. */
export function driftStatusOf(specs: ClientSpec[], observed: ObservedClient[], revision: string, now: Date, env: NodeJS.ProcessEnv = process.env): FleetDriftStatus {
  const byName = new Map(specs.map((s) => [s.name, s]));
  return fleetDriftStatus(
    observed.map((o) => observationOf(byName.get(o.client)!, o, env)),
    revision,
    now,
  );
}
