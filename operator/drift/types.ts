/**
 * Drift means drift: the types of the fleet status the `drift` command, `odoops serve`, the
 * metrics and the drift issue share. Pure data, no I/O.
 *
 * - drift: the server moved away from what odoops last applied there (judged against the
 *   applied state odoops records on the server with the revision);
 * - pending: the desired state moved on and was not applied yet (window closed, queued,
 *   blocked, never applied by odoops);
 * - attention: something a person must deal with (a failed rollback's marker, a server that
 *   could not be read completely).
 */
import type { BackupDrift } from '../plan/types.ts';
import type { Change, Reason, WindowStatus } from '../plan/types.ts';

/** Version of the applied-state record; a record of another version is not compared. */
export const APPLIED_STATE_VERSION = 1;

/** Module as recorded: installed, or absent (uninstalled, uninstallable, no row). */
export type AppliedModule = 'installed' | 'absent' | 'to install' | 'to upgrade' | 'to remove';

/**
 * What odoops left an instance in when it last applied (stored in the server's state.json
 * next to the revision). Only what odoops manages; secret options hold a one-way digest,
 * never the value (see applied-state.ts).
 */
export interface AppliedState {
  version: typeof APPLIED_STATE_VERSION;
  image: string;
  running: boolean;
  /** Managed odoo.conf options as Odoo writes them ("True", "4"); secrets: "sha256:<hex>". */
  options: Record<string, string>;
  /** Addons repository name -> checked-out commit. */
  addons: Record<string, string | null>;
  /** Modules the desired state names (installed) or removes (absent). */
  modules: Record<string, AppliedModule>;
}

export type InstanceState = 'in-sync' | 'pending' | 'drift' | 'drift+pending' | 'attention';

export interface PendingChange {
  /** What the desired state asks that the server does not have yet. */
  changes: Change[];
  /** The instance's update window now (open, or its next opening). */
  window: WindowStatus;
  /** Why apply would not run it even inside the window (module unknown, major upgrade, ...). */
  blocked?: Reason;
  /** Nothing recorded by odoops on this instance yet: the first apply is pending. */
  neverApplied?: boolean;
}

export interface InstanceStatus {
  instance: string;
  state: InstanceState;
  /** Differences from what odoops applied: from = applied, to = now on the server. */
  drift: Change[];
  pending: PendingChange | null;
  /** Needs a person: a failed rollback marker, a partial reading. */
  attention?: Reason;
  /** What the server records as last applied by odoops. */
  lastApplied: { revision: string; at: string } | null;
}

export type ClientState = 'in-sync' | 'pending' | 'drift' | 'attention' | 'unreachable';

export interface ClientStatus {
  client: string;
  /** The most serious of its instances: unreachable > attention > drift > pending > in-sync. */
  state: ClientState;
  instances: InstanceStatus[];
  unreachable?: Reason;
  /**
   * Files odoops keeps on the server (operator/managed/) that differ from their rendering.
   * Counted as drift: managed units are applied by every apply, windows or not, so after an
   * apply a difference means the server changed (there is no applied record for them yet).
   */
  managed?: Change[];
  /** Managed units that could not be checked (renderer refused, file unreadable): a person must look. */
  managedAttention?: Reason[];
  /** Off-site backup health (operator/backup/health.ts) when degraded or failing: counted as drift. */
  backups?: BackupDrift;
  /**
   * The merge request holding this client (`odoops apply` commented before its merge, seen
   * by `odoops serve`): its server runs that MR's head, so it is not reverted (self-heal).
   */
  heldBy?: string;
}

export interface DriftCounts {
  clients: number;
  inSync: number;
  /** Clients with at least one drifting instance. */
  drifting: number;
  /** Clients with pending changes (and no drift). */
  pending: number;
  attention: number;
  unreachable: number;
}

export interface FleetDriftStatus {
  /** Shape version of this JSON document. */
  format: 1;
  revision: string;
  checkedAt: string;
  /** Whether any server drifted (the answer `--detailed-exitcode` 2 and the drift issue follow). */
  drifted: boolean;
  counts: DriftCounts;
  /** Every checked client, in input order. */
  clients: ClientStatus[];
}
