/**
 * What the apply-sequence tests on a sandbox server share (sequence.test.ts,
 * sequence-startup-log.test.ts): acme's production with contacts and both integrator addons
 * modules, applied at a new revision each time.
 */
import type { ApplyProgress } from '../../operator/apply/index.ts';
import type { InstanceResult } from '../../operator/apply/types.ts';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { reconcile, type ClientOutcome } from '../../operator/reconcile/index.ts';
import type { SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, instanceSpec, ssh } from './fixture.ts';
import { onServer } from './server.ts';

export const DB = 'acme_prod';

export const productionSpec = (info: SandboxInfo): InstanceSpec =>
  instanceSpec(info, 'production', { modules: ['contacts', 'integrator_base', 'integrator_reports'] });

export type Apply = (onProgress?: (e: ApplyProgress) => Promise<void>) => Promise<ClientOutcome>;

/** Applies DESIRED as the client's one instance, as it is at each call (the tests change it in place), each time at a new revision. */
export function applier(info: SandboxInfo, desired: InstanceSpec): Apply {
  let rev = 0;
  return (onProgress) =>
    reconcile(clientSpec(info, [desired]), `rev${++rev}`, { mode: 'apply', healthTimeoutMs: 8_000, ssh: ssh(info), ...(onProgress ? { onProgress } : {}) });
}

export const production = (r: ClientOutcome): InstanceResult => r.apply!.instances.find((i) => i.instance === 'production')!;

/** What production's odoo container logged. */
export const odooLog = (info: SandboxInfo): Promise<string> => onServer(info, 'docker compose -f /srv/odoo/production/compose.yaml logs --no-color odoo');

