/**
 * Provisioning: the steps that take an instance from nothing on the server (no
 * /srv/odoo/<I>/compose.yaml) to a running instance at a revision, as typed plan actions,
 * and what the server tells the planner about it (the probe's `provision` facts). Types only.
 */
import type { AddonsRepoSpec } from '../desired/types.ts';

/**
 * One provisioning step. Each kind has one executor (operator/apply/executors/provision/).
 * They only create: nothing of a client's data is ever overwritten, so there is nothing to
 * roll back; a failure leaves the provisioning marker (below) naming what exists.
 */
export type ProvisionAction =
  /** Marker, then the instance layout: directories, compose.yaml, .env, odoo.conf (refuses when data is there). */
  | { kind: 'provision-layout'; instance: string; database: string }
  /** Clone an addons repository at its ref (the commit is resolved on the server). */
  | { kind: 'provision-addons'; instance: string; repo: AddonsRepoSpec }
  /** `docker compose up -d db`. */
  | { kind: 'provision-start-db'; instance: string }
  /** Refuse a database odoops did not create; else create it: `odoo -i base --without-demo=all --stop-after-init`. */
  | { kind: 'provision-database'; instance: string; database: string }
  /** `odoo -i <modules> --without-demo=all --stop-after-init`, then every module must read back installed. */
  | { kind: 'provision-modules'; instance: string; modules: string[] }
  /** `docker compose up -d`: Odoo starts. */
  | { kind: 'provision-start'; instance: string }
  /** Provisioning complete: the marker goes (after the health check and the recorded revision). */
  | { kind: 'provision-done'; instance: string };

export type ProvisionKind = ProvisionAction['kind'];

export const PROVISION_KINDS: ReadonlySet<string> = new Set<ProvisionKind>([
  'provision-layout', 'provision-addons', 'provision-start-db', 'provision-database', 'provision-modules', 'provision-start', 'provision-done',
]);

export function isProvisionAction<A extends { kind: string }>(a: A): a is A & ProvisionAction {
  return PROVISION_KINDS.has(a.kind);
}

/**
 * The provisioning marker, /var/lib/odoops/provision/<instance>.json, written by the first
 * step and removed by the last. While it is there the instance is "being provisioned":
 * `in-progress` (a run is at it, or died), `failed` (a step failed: the next apply continues,
 * every step being safe to run again), `refused` (data odoops did not create was found:
 * blocked until a person has dealt with it and removed the marker).
 */
export interface ProvisionMarker {
  status: 'in-progress' | 'failed' | 'refused';
  runId: string;
  revision: string;
  /** When the marker was last written (ISO 8601). */
  at: string;
  /** The step running, or the one that failed / refused. */
  step: string;
  /** Why it failed or was refused (one line, secrets redacted). */
  message?: string;
  /** `creating` once odoops is about to create the database, `created` after: then it is odoops' own. */
  database?: 'creating' | 'created';
  /** What exists of the instance on the server (written on failure and refusal). */
  exists?: string[];
}

/**
 * What the probe reads for provisioning (files only): the marker, and what of an earlier
 * installation is there when the layout is missing.
 */
export interface ProvisionFacts {
  marker: ProvisionMarker | null;
  /** Where the marker is on the server (for messages). */
  markerPath: string;
  /** Layout files present among compose.yaml, .env, odoo.conf. */
  files: string[];
  /** Entries of the filestore directory (at most a few), empty when absent or empty. */
  filestore: string[];
  /** Entries of the addons directory (at most a few). */
  addons: string[];
}
