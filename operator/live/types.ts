/** Live state: what one server reports over SSH right now. */

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
  /** Version the manifest on disk declares, series-prefixed as Odoo stores it ("17.0.1.1"), or null if unknown. */
  manifestVersion: string | null;
}

export interface LiveAddonsRepo {
  /** origin URL of the checkout, null when the directory is missing. */
  url: string | null;
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
  /** Digest of the running container's image ("sha256:..."), null if not running. */
  imageDigest: string | null;
  running: boolean;
  /** Series `odoo --version` reports, e.g. "17.0". */
  odooVersion: string | null;
  /** Every row of ir_module_module, by technical name. */
  modules: Record<string, LiveModule>;
  /** Addons checkouts by repo name (only the ones the desired state names, plus any found on disk). */
  addons: Record<string, LiveAddonsRepo>;
  /** Managed options as read from odoo.conf [options], as strings. */
  options: Record<string, string>;
  /** Last revision odoops applied to this instance (from /var/lib/odoops/state.json). */
  lastApplied: { revision: string; at: string } | null;
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

export type LiveState =
  | { client: string; reachable: true; host: HostFacts; instances: Record<string, LiveInstance> }
  | { client: string; reachable: false; reason: string };
