import type { AddonsRepoSpec, OdooOptionValue } from '../desired/types.ts';

/** One step of a plan. Each kind has exactly one executor in operator/apply/. */
export type Action =
  | { kind: 'backup'; instance: string }
  | { kind: 'pull-image'; instance: string; image: string }
  | { kind: 'checkout-addons'; instance: string; repo: AddonsRepoSpec; fromCommit: string | null; toCommit: string | null }
  | { kind: 'write-config'; instance: string; set: Record<string, OdooOptionValue>; previous: Record<string, string | null> }
  | { kind: 'switch-image'; instance: string; from: string | null; to: string }
  | { kind: 'restart'; instance: string }
  | { kind: 'install-modules'; instance: string; modules: string[] }
  | { kind: 'upgrade-modules'; instance: string; modules: string[] }
  | { kind: 'uninstall-modules'; instance: string; modules: string[] }
  | { kind: 'health-check'; instance: string }
  | { kind: 'record-revision'; instance: string; revision: string };

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
  blocked?: string;
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
  unreachable?: string;
  instances: InstancePlan[];
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

/**
 * Drift: live differs from desired at a revision. A blocked instance with changes counts as
 * drift (the server does not match git, a human must act); an unreachable server is listed
 * apart, since nothing is known about it.
 */
export interface DriftReport {
  revision: string;
  drifted: boolean;
  clients: {
    client: string;
    instances: { instance: string; changes: Change[]; blocked?: string }[];
  }[];
  unreachable: { client: string; reason: string }[];
}
