/** Live state: what one server reports over SSH right now. */
import type { ProvisionFacts } from '../provision/types.ts';

export type ModuleState =
  | 'installed'
  | 'uninstalled'
  | 'uninstallable'
  | 'to install'
  | 'to upgrade'
  | 'to remove';

export interface LiveModule {
  state: ModuleState;
  /** ir_module_module.latest_version, e.g. "17.0.1.0", or null. */
  installedVersion: string | null;
  /**
   * Version the manifest declares, series-prefixed as Odoo stores it ("17.0.1.1"), or null if
   * unknown; for git checkouts, at the commit the apply will check out (the desired one).
   */
  manifestVersion: string | null;
  /**
   * Checksum of the module's files in its addons checkout at the commit apply will check out
   * (the desired one, else HEAD); null for core modules and modules outside git checkouts.
   */
  checksum?: string | null;
  /**
   * The files checksum recorded on the server when odoops last applied the instance, or, never
   * recorded, that of the code checked out now; null when unknown.
   */
  appliedChecksum?: string | null;
}

export interface LiveAddonsRepo {
  /** origin URL of the checkout (any user:password@ removed on the server), null when missing. */
  url: string | null;
  /** The origin URL stored on the server holds credentials (an old checkout): the next checkout rewrites it. */
  urlHasCredentials?: boolean;
  /** Checked-out commit (HEAD), null when missing. */
  commit: string | null;
  /** The desired ref resolved on the server (git ls-remote / rev-parse), null if it cannot be resolved. */
  desiredCommit: string | null;
}

export interface LiveInstance {
  name: string;
  /** False when /srv/odoo/<name>/compose.yaml does not exist (not provisioned). */
  present: boolean;
  /** Image the instance is configured to run (ODOO_IMAGE in .env), null if unknown. */
  image: string | null;
  /** Whether that image is on the server (`docker image inspect`); null when not asked. The probe never pulls. */
  imagePresent?: boolean | null;
  /** Digest of the running container's image ("sha256:..."), null if not running. */
  imageDigest: string | null;
  running: boolean;
  /** Series from the image's metadata (ODOO_VERSION env, else the odoo.version label), e.g. "17.0"; null if it has none. */
  odooVersion: string | null;
  /** Every row of ir_module_module, by technical name. */
  modules: Record<string, LiveModule>;
  /** Addons checkouts by repo name (only the ones the desired state names, plus any found on disk). */
  addons: Record<string, LiveAddonsRepo>;
  /**
   * Managed options as read from odoo.conf [options], as strings. Secret options never come
   * back in clear: SECRET_MATCHES when the server holds the desired value, SECRET_DIFFERS otherwise.
   */
  options: Record<string, string>;
  /** A "needs manual restore" marker left by a failed rollback, if any. */
  marker?: RestoreMarker | null;
  /** Provisioning marker and leftovers of an earlier installation (operator/provision/). */
  provision?: ProvisionFacts;
  /**
   * Last revision odoops applied to this instance (from /var/lib/odoops/state.json), with the
   * state it left (operator/drift/applied-state.ts) when recorded by an odoops that keeps it.
   */
  lastApplied: { revision: string; at: string; applied?: unknown } | null;
  /** Image of the running odoo container (docker compose ps), when running. */
  runningImage?: string | null;
  /** What the probe could not read (one line each), e.g. "psql ir_module_module: exit 2 ...". */
  errors?: string[];
}

export interface HostFacts {
  hostname: string;
  /** e.g. "ubuntu-22.04", from /etc/os-release ID and VERSION_ID. */
  os: string;
}

/** What a failed rollback leaves on the server (/var/lib/odoops/blocked/<instance>.json). */
export interface RestoreMarker {
  code: 'needs-manual-restore';
  /** The snapshot to restore from, when there is one. */
  snapshot?: string | null;
  /** The database the failed change left, renamed aside, when there is one. */
  asideDatabase?: string | null;
  runId?: string;
  at?: string;
  reason: string;
}

/** How a secret option reads back: never the value. */
export const SECRET_MATCHES = '(secret)';
export const SECRET_DIFFERS = '(secret, differs)';

export type LiveState =
  | { client: string; reachable: true; host: HostFacts; instances: Record<string, LiveInstance> }
  | { client: string; reachable: false; reason: string; code: 'unreachable' | 'host-key-mismatch' | 'internal' };
