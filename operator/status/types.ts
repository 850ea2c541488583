/**
 * The fleet view (`odoops status`, the page `odoops serve` serves at /): one row per client,
 * built from the desired state, the probe, the OS state and the server's journal. Every
 * field says when it is unknown, with a typed state, rather than guessing.
 */
import type { Change, Reason, WindowStatus } from '../plan/types.ts';
import type { MaintenanceKind, OsState } from '../maintain/types.ts';

export interface InstanceStatus {
  name: string;
  desired: { image: string; series: string; domain: string; modules: number };
  /** null when the server could not be read. */
  live: {
    present: boolean;
    image: string | null;
    series: string | null;
    running: boolean;
    installedModules: number;
    lastApplied: { revision: string; at: string } | null;
  } | null;
  /** Differences desired vs live (the plan's changes). */
  changes: Change[];
  blocked: Reason | null;
  /** The instance's own update window. */
  window: WindowStatus;
}

/** One run odoops made on the server, from its journal. */
export interface RunRecord {
  runId: string;
  kind: 'apply' | 'maintenance' | 'other';
  /** Config revision (apply), or "maintenance-security" / "maintenance-os". */
  revision: string;
  startedAt: string;
  endedAt: string;
  /** apply: "applied", "failed", ... (worst instance outcome); maintenance: its result; "unfinished" when no end was journaled. */
  result: string;
  /** Per instance outcome (apply). */
  instances: Record<string, string>;
}

/**
 * Newest backup per destination. `unknown` until odoops collects backup status (the
 * backups feature writes it; it is not on this branch's main yet).
 */
export type BackupStatus =
  | { destination: string; state: 'known'; newestAt: string | null; ageSeconds: number | null }
  | { destination: string; state: 'unknown'; reason: string };

export type MonitoringStatus = { state: 'unknown'; reason: string } | { state: 'ok' | 'warning' | 'critical'; detail: string };

export type DriftState = 'in-sync' | 'drifted' | 'unknown';

export interface MaintenanceWindowStatus {
  kind: MaintenanceKind;
  /** null: no window of this kind declared. */
  window: WindowStatus | null;
}

export interface ClientStatus {
  client: string;
  file: string;
  host: string;
  reachable: boolean;
  unreachable?: Reason;
  os: { expected: string; live: string | null; pretty: string | null };
  instances: InstanceStatus[];
  drift: DriftState;
  /** Differences of the files odoops keeps on the server (empty when not checked). */
  managedChanges: Change[];
  lastApply: { revision: string; at: string; result: string } | null;
  backups: BackupStatus[];
  /** null when the OS state could not be read. */
  updates: { security: number; other: number; held: string[]; listsUpdatedAt: string | null; packages: OsState['pending'] } | null;
  rebootRequired: boolean | null;
  windows: MaintenanceWindowStatus[];
  monitoring: MonitoringStatus;
  recentRuns: RunRecord[];
  /** What could not be read (one line each). */
  errors: string[];
}

export interface FleetStatus {
  generatedAt: string;
  revision: string;
  clients: ClientStatus[];
}
