/** OS maintenance: what a server reports, and what a maintenance run did (typed outcomes). */

export type MaintenanceKind = 'security' | 'os';
export const MAINTENANCE_KINDS: readonly MaintenanceKind[] = ['security', 'os'];

export interface PendingUpdate {
  name: string;
  /** Installed version; null for a package the upgrade would newly install. */
  from: string | null;
  to: string;
  /** apt's release strings, e.g. "Debian-Security:12/stable-security". */
  origins: string[];
  security: boolean;
}

export interface OsRelease {
  /** "ubuntu", "debian". */
  id: string;
  versionId: string;
  codename: string;
  pretty: string;
}

/** What a server reports about its OS (one read-only command, operator/host/maintenance.ts). */
export interface OsState {
  release: OsRelease | null;
  /** As of the last `apt-get update` (listsUpdatedAt): the probe never refreshes the lists. */
  pending: { security: PendingUpdate[]; other: PendingUpdate[] };
  held: string[];
  /** Packages with an update apt keeps back (held ones, or ones needing a removal): not in `pending`. */
  keptBack: string[];
  rebootRequired: boolean;
  /** /var/run/reboot-required.pkgs: the packages asking for the reboot. */
  rebootPackages: string[];
  listsUpdatedAt: string | null;
  /** Instances whose compose file exists on the server. */
  deployed: string[];
  /** What could not be read (one line each). */
  errors: string[];
}

export type StepName = 'snapshot' | 'hold' | 'update-lists' | 'upgrade' | 'release-holds' | 'reboot' | 'reconnect' | 'start-instances' | 'health-check';

export interface StepResult {
  step: StepName;
  /** Instance the step is about, for per-instance steps. */
  instance?: string;
  outcome: 'ok' | 'failed' | 'skipped';
  detail?: string;
  durationMs: number;
}

/**
 * How a run ended:
 * - done: every step ran (there may have been nothing to install);
 * - outside-window: the window was closed before anything started (nothing changed);
 * - window-closed: the window closed mid-way; the run stopped before `stoppedBefore`;
 * - failed: a step failed (reason says which); instances were started again when possible;
 * - locked / unreachable: nothing ran.
 */
export type MaintenanceResult = 'done' | 'outside-window' | 'window-closed' | 'failed' | 'locked' | 'unreachable';

/** Why a maintenance run stopped or did not start; reports and exit codes read the code. */
export type MaintenanceReasonCode =
  /** The kind's window is closed (before the start, or it closed mid-way). */
  | 'window-closed'
  /** The client declares no window of this kind: maintenance runs only with --ignore-windows. */
  | 'no-window'
  /** --ignore-windows refused: the window's manualSync is false. */
  | 'override-refused'
  | 'locked'
  | 'unreachable'
  | 'host-key-mismatch'
  /** A step failed (the message names it and its output). */
  | 'step-failed'
  /** The server did not come back after the reboot within the deadline. */
  | 'reboot-timeout'
  /** An instance did not pass its health check after the maintenance. */
  | 'unhealthy'
  | 'internal';

export interface MaintenanceReason {
  code: MaintenanceReasonCode;
  message: string;
}

/** Transient reasons may clear by themselves (the next window, the lock released); the others need a person. */
export const MAINTENANCE_TRANSIENT: Readonly<Record<MaintenanceReasonCode, boolean>> = {
  'window-closed': true,
  'no-window': false,
  'override-refused': false,
  locked: true,
  unreachable: true,
  'host-key-mismatch': false,
  'step-failed': false,
  'reboot-timeout': false,
  unhealthy: false,
  internal: false,
};

export interface MaintenanceRun {
  client: string;
  kind: MaintenanceKind;
  runId: string;
  startedAt: string;
  result: MaintenanceResult;
  reason?: MaintenanceReason;
  /** The step the run stopped before (window-closed). */
  stoppedBefore?: StepName;
  /** --ignore-windows was used while the window was closed. */
  windowIgnored: boolean;
  steps: StepResult[];
  /** Packages upgraded (from the state before and after). */
  upgraded: { name: string; from: string | null; to: string }[];
  /** Odoo's packages held (they stay held). */
  held: string[];
  /** Docker's packages this run held for the update and released after it (DOCKER_PACKAGES). */
  heldDuring: string[];
  /** Docker's packages the admin had held: left held. */
  keptHeld: string[];
  /** Packages unheld after the update (heldDuring, plus any a run that died had left held). */
  released: string[];
  rebooted: boolean;
  /** Still required after the run (e.g. the window closed before the reboot). */
  rebootRequired: boolean;
  before: OsState | null;
  after: OsState | null;
  snapshots: Record<string, string>;
  durationMs: number;
}
