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
 * Off-site backups per destination, judged as drift judges them (operator/backup/health.ts):
 * ok, or its problems; `unknown` when the server's backup status could not be read (or the
 * backup program is not installed).
 */
export type BackupStatus =
  | ({ destination: string; state: 'ok' } & BackupFreshness)
  | ({ destination: string; state: 'problem'; problems: string[] } & BackupFreshness)
  | { destination: string; state: 'unknown'; reason: string };

export interface BackupFreshness {
  /** The oldest of the instances' newest snapshots (every instance has a copy this fresh); null when one has none. */
  newestAt: string | null;
  ageSeconds: number | null;
  instances: { instance: string; at: string | null; problem: string | null }[];
  /** The last `restic check`. */
  lastCheck: { ok: boolean; at: string } | null;
}

/**
 * The client's side of monitoring as odoops knows it: its NRPE configuration (managed unit
 * "nrpe") in place or not. Nagios' own check results are not collected.
 */
export type MonitoringStatus =
  | { state: 'in-place' | 'drifted'; checks: number; detail: string }
  | { state: 'not-monitored' | 'refused'; detail: string }
  | { state: 'unknown'; reason: string };

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
