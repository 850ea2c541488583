import type { AddonsRepoSpec, OdooOptionValue } from '../desired/types.ts';
import type { ManagedPlan } from '../managed/types.ts';
import type { ProvisionAction } from '../provision/types.ts';

/**
 * Why an instance (or a server) cannot go now. Reports, exit codes, MR comments and the
 * operator loop read the code, never the message.
 */
export type ReasonCode =
  /** The update window is closed (or --ignore-windows was refused by manualSync). */
  | 'window-closed'
  /** Another run holds the server lock. */
  | 'locked'
  /** The server cannot be reached (connect, SSH channel, the lock never answered). */
  | 'unreachable'
  /** The server's SSH host key is not the pinned one. */
  | 'host-key-mismatch'
  /** The series differs: a major upgrade is a project, not a routine change. */
  | 'major-upgrade'
  /** The probe could not read everything (PostgreSQL down, docker failing, ...). */
  | 'live-incomplete'
  /** A rollback failed: a person must restore from the snapshot, then `odoops resolve`. */
  | 'needs-manual-restore'
  /** The probe reported nothing of the instance (a layout that is missing is provisioned: operator/provision/). */
  | 'not-provisioned'
  /** Not provisioned, but a database or filestore odoops did not create is there: provisioning refuses to overwrite it. */
  | 'data-exists'
  /** A provisioning step failed: the provisioning marker names what exists; the next apply continues. */
  | 'provision-incomplete'
  /** An addons ref does not resolve in its repository. */
  | 'ref-not-found'
  /** A module to install is unknown to the server. */
  | 'module-unknown'
  /** A module to install is uninstallable there (code missing). */
  | 'module-uninstallable'
  /** The image's Odoo series cannot be read (no ODOO_VERSION, no label, no series tag). */
  | 'series-unknown'
  /** A secret reference could not be resolved on the operator side. */
  | 'secret-unresolved'
  /** Not run: the instance it depends on (test) did not succeed in this run. */
  | 'dependency-failed'
  /** Not run: another instance of the server failed earlier in this run. */
  | 'earlier-failure'
  /** The plan names an instance the desired state does not have. */
  | 'not-desired'
  /** A renderer refused the desired state (managed files): the config must change. */
  | 'render-refused'
  /** A bug or an unexpected answer: see the message. */
  | 'internal';

export interface Reason {
  code: ReasonCode;
  message: string;
}

/** Transient reasons may clear by themselves (retry later); the others need a person. */
export const TRANSIENT: Readonly<Record<ReasonCode, boolean>> = {
  'window-closed': true,
  locked: true,
  unreachable: true,
  'host-key-mismatch': false,
  'major-upgrade': false,
  'live-incomplete': true,
  'needs-manual-restore': false,
  'not-provisioned': false,
  'data-exists': false,
  'provision-incomplete': false,
  'ref-not-found': false,
  'module-unknown': false,
  'module-uninstallable': false,
  'series-unknown': false,
  'secret-unresolved': false,
  'dependency-failed': true,
  'earlier-failure': true,
  'not-desired': false,
  'render-refused': false,
  internal: false,
};

/** One step of a plan. Each kind has exactly one executor in operator/apply/. */
export type Action =
  /**
   * The pre-change snapshot on the server (not the off-site backups): files and addons
   * commits always; with `database`, odoo is stopped and the database and filestore are
   * dumped too, because the run may have to restore them.
   */
  | { kind: 'snapshot'; instance: string; database: boolean }
  | { kind: 'pull-image'; instance: string; image: string }
  /** Brings the commit into the checkout's object store while the old code still serves (HEAD does not move). */
  | { kind: 'fetch-addons'; instance: string; repo: AddonsRepoSpec; toCommit: string | null }
  /** Stops odoo: nothing serves from here until `start` (the downtime the report measures). */
  | { kind: 'stop'; instance: string }
  | { kind: 'checkout-addons'; instance: string; repo: AddonsRepoSpec; fromCommit: string | null; toCommit: string | null }
  | { kind: 'write-config'; instance: string; set: Record<string, OdooOptionValue>; previous: Record<string, string | null> }
  /** Rewrites ODOO_IMAGE in .env; the container is recreated from it by `start`. */
  | { kind: 'switch-image'; instance: string; from: string | null; to: string }
  | { kind: 'install-modules'; instance: string; modules: string[] }
  /**
   * `odoo -u` (with --stop-after-init) of the listed modules, each with why (ModuleUpgrade);
   * with `coreAfterPull`, also the core modules whose manifest version in the new image differs
   * from the database's latest_version, decided at apply time once the image is pulled.
   */
  | { kind: 'upgrade-modules'; instance: string; modules: string[]; why?: ModuleUpgrade[]; coreAfterPull?: boolean }
  | { kind: 'uninstall-modules'; instance: string; modules: string[] }
  /** `up -d`: starts odoo on the new code, config and schema (recreated when .env changed). */
  | { kind: 'start'; instance: string }
  | { kind: 'health-check'; instance: string }
  /** state.json's revision, and the files checksums of the modules on disk (what "changed since the last apply" compares with). */
  | { kind: 'record-revision'; instance: string; revision: string; moduleChecksums?: Record<string, string> }
  /** Provisioning steps (operator/provision/). */
  | ProvisionAction;

/** Why one module is upgraded. */
export interface ModuleUpgrade {
  module: string;
  /** "version": the manifest version differs from the database's; "code": its files' checksum changed since the last apply. */
  cause: 'version' | 'code';
  /** The database's latest_version and the manifest's (series-prefixed), when known. */
  from: string | null;
  to: string | null;
}

export type ActionKind = Action['kind'];

/** A human-readable change: what differs and why it matters. */
export interface Change {
  /** Dotted path of what changed, e.g. "modules.sale_management", "image", "options.workers". */
  path: string;
  from: unknown;
  to: unknown;
  /** Short explanation, e.g. "module not installed", "manifest 17.0.1.1 > installed 17.0.1.0". */
  reason: string;
}

export interface WindowStatus {
  /** Whether changes may be applied now. */
  open: boolean;
  /** When it next opens (ISO 8601), null when open now or never opens. */
  nextOpening: string | null;
  /** When the current opening closes (ISO 8601), when open. */
  closesAt: string | null;
  /** One line for humans, e.g. "open until 05:00 Europe/Paris" or "closed (deny window) until ...". */
  description: string;
  /**
   * Whether `apply --ignore-windows` may proceed now (Argo CD manualSync rule: every active
   * deny has manualSync, or, outside all allow windows, some allow has manualSync).
   */
  overrideAllowed?: boolean;
}

export interface InstancePlan {
  instance: string;
  changes: Change[];
  actions: Action[];
  window: WindowStatus;
  /** Why this instance cannot be applied at all (major upgrade, not provisioned, ...). Blocked: no actions. */
  blocked?: Reason;
  /**
   * Name of an instance of the same client that must have been applied successfully in the same
   * run before this one may start (production depends on test when both have changes). When that
   * instance fails, waits, is blocked or is skipped, apply skips this one.
   */
  dependsOn?: string;
}

export interface Plan {
  client: string;
  revision: string;
  /** Set when the server could not be read: no instance plans then. */
  unreachable?: Reason;
  instances: InstancePlan[];
  /** Files odoops keeps on the server (operator/managed/), when the caller planned them. */
  managed?: ManagedPlan;
  /** Backup health (operator/backup/health.ts) when the client declares backups: its problems as Changes. */
  backups?: BackupDrift;
}

/** Backup health as plans and drift carry it: ok, degraded (a destination failing, every instance fresh on another) or failing. */
export interface BackupDrift {
  state: 'ok' | 'degraded' | 'failing';
  /** One per problem ("backups.<destination>"); empty when ok. */
  changes: Change[];
}

/** Counts over a set of plans, for summaries and exit codes. */
export interface PlanSummary {
  clients: number;
  /** Clients with at least one instance that has actions. */
  withChanges: number;
  /** Clients with actions in at least one instance whose window is closed now. */
  waiting: number;
  /** Clients with at least one blocked instance. */
  blocked: number;
  unreachable: number;
}
