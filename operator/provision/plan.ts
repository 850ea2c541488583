/**
 * Plans provisioning (pure): an instance whose layout is missing on the server, or whose
 * provisioning marker says it is being provisioned, gets the provisioning steps in their one
 * order: layout, addons checkouts, database service, database, modules, start, health check,
 * recorded revision, done. Data odoops did not create (a filestore, files of an earlier
 * installation, a marker that says a database was refused) blocks the instance instead:
 * provisioning never overwrites anything.
 */
import type { InstanceSpec } from '../desired/types.ts';
import type { LiveInstance } from '../live/types.ts';
import type { Action, Change, InstancePlan, Reason } from '../plan/types.ts';
import { windowStatus } from '../plan/windows.ts';
import type { ProvisionFacts } from './types.ts';

export interface ProvisionPlanOptions {
  revision: string;
  now: Date;
  /** Secret references that could not be resolved on the operator side, per instance. */
  unresolvedSecrets?: Record<string, string[]>;
}

/** Modules `odoo -i base` installs by itself; listing them again is harmless but noisy. */
const CREATED_WITH_DATABASE = new Set(['base']);

const NO_FACTS: ProvisionFacts = { marker: null, markerPath: 'the provisioning marker', files: [], filestore: [], addons: [] };

/** Whether the instance is provisioning's business: layout missing, or a provisioning marker on the server. */
export function needsProvisioning(live: LiveInstance): boolean {
  return !live.present || (live.provision?.marker ?? null) !== null;
}

/** What of an earlier installation is on the server although the layout is missing (empty: nothing). */
export function leftovers(facts: ProvisionFacts): string[] {
  const out: string[] = [];
  if (facts.filestore.length > 0) out.push(`a filestore (${facts.filestore.join(', ')})`);
  if (facts.files.length > 0) out.push(`files of an earlier installation (${facts.files.join(', ')})`);
  if (facts.addons.length > 0) out.push(`addons checkouts (${facts.addons.join(', ')})`);
  return out;
}

/** The provisioning steps, in their one order. */
export function provisionActions(spec: InstanceSpec, revision: string): Action[] {
  const i = spec.name;
  const modules = [...new Set(spec.modules)].filter((m) => !CREATED_WITH_DATABASE.has(m)).sort();
  return [
    { kind: 'provision-layout', instance: i, database: spec.database },
    ...spec.addons.map((repo): Action => ({ kind: 'provision-addons', instance: i, repo })),
    { kind: 'provision-start-db', instance: i },
    { kind: 'provision-database', instance: i, database: spec.database },
    ...(modules.length > 0 ? [{ kind: 'provision-modules', instance: i, modules } as const] : []),
    { kind: 'provision-start', instance: i },
    { kind: 'health-check', instance: i },
    { kind: 'record-revision', instance: i, revision },
    { kind: 'provision-done', instance: i },
  ];
}

/**
 * The plan of an instance provisioning is responsible for (see needsProvisioning), or null
 * when the instance is provisioned and routine planning applies.
 */
export function planProvision(spec: InstanceSpec, live: LiveInstance, opts: ProvisionPlanOptions, client = ''): InstancePlan | null {
  if (!needsProvisioning(live)) return null;
  const facts = live.provision ?? NO_FACTS;
  const marker = facts.marker;
  const window = windowStatus(spec.windows, opts.now);
  const changes: Change[] = [];
  if (!live.present) changes.push({ path: 'instance', from: null, to: spec.name, reason: 'not provisioned on the server: provision it from the desired state' });

  if (marker?.status === 'refused') {
    const blocked: Reason = {
      code: 'data-exists',
      message: `provisioning of ${spec.name} refused (run ${marker.runId}): ${marker.message ?? 'data odoops did not create is on the server'}`
        + `${marker.exists?.length ? `; exists: ${marker.exists.join(', ')}` : ''}; nothing of it was changed.`
        + ` After saving or removing that data by hand, remove the marker ${facts.markerPath} to provision ${client ? `${client}/` : ''}${spec.name}`,
    };
    return { instance: spec.name, changes, actions: [], window, blocked };
  }
  if (marker === null) {
    const found = leftovers(facts);
    if (found.length > 0) {
      return {
        instance: spec.name,
        changes,
        actions: [],
        window,
        blocked: { code: 'data-exists', message: `${spec.name} is not provisioned but the server holds ${found.join('; ')}: provisioning never overwrites data; restore the layout (compose.yaml) by hand, or move that data away` },
      };
    }
  } else {
    changes.push({
      path: 'provisioning',
      from: marker.status,
      to: 'done',
      reason: marker.status === 'failed'
        ? `provisioning stopped at ${marker.step} in run ${marker.runId}${marker.message ? ` (${marker.message})` : ''}${marker.exists?.length ? `; exists: ${marker.exists.join(', ')}` : ''}; the next apply continues`
        : `provisioning started in run ${marker.runId} did not finish (at ${marker.step}); the next apply continues`,
    });
  }
  const missing = opts.unresolvedSecrets?.[spec.name] ?? [];
  if (missing.length > 0) {
    return { instance: spec.name, changes, actions: [], window, blocked: { code: 'secret-unresolved', message: missing.join('; ') } };
  }
  return { instance: spec.name, changes, actions: provisionActions(spec, opts.revision), window };
}
