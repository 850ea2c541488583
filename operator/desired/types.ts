/**
 * Desired state: one client's fully-defaulted configuration at a revision.
 * Kept in lock-step with schema/client.schema.json and schema/fleet.schema.json
 * (test/desired/schema-types.test.ts checks it).
 */
import type { ConfigSource } from './source.ts';

export type { ConfigSource } from './source.ts';

/** An update window, modelled on Argo CD sync windows. */
export interface WindowSpec {
  kind: 'allow' | 'deny';
  /** Five-field cron expression: when the window opens. */
  schedule: string;
  /** How long it stays open, e.g. "3h", "90m", "1h30m". */
  duration: string;
  /** IANA time zone the schedule is read in, e.g. "Europe/Paris". */
  timeZone: string;
  /** When true, an operator may apply outside this window with --ignore-windows. Default true. */
  manualSync: boolean;
}

/** A git repository of Odoo addons checked out on the server. */
export interface AddonsRepoSpec {
  /** Directory name under the instance's addons folder; [a-z0-9][a-z0-9_.-]*. */
  name: string;
  /** git URL (https://, ssh://, git@host:path, file://). */
  url: string;
  /** Branch or tag name, or a full 40-hex commit SHA. */
  ref: string;
  /**
   * For a private repository: the secret ("user:token" or a token) git authenticates with
   * over HTTPS. Resolved on the operator side, sent to the server on stdin only; a URL never
   * carries credentials.
   */
  credentials?: SecretRef;
}

/** An odoo.conf option whose value is a secret: resolved on the operator side, sent on stdin only. */
export interface SecretOption {
  secret: SecretRef;
}

export type OdooOptionValue = string | number | boolean | SecretOption;

export interface InstanceSpec {
  /** Instance name: "production", "test", or another [a-z][a-z0-9-]*. */
  name: string;
  /** Odoo series, e.g. "17.0". */
  series: string;
  /** Docker image "repo:tag" or "repo:tag@sha256:<64 hex>". */
  image: string;
  /** PostgreSQL database name. */
  database: string;
  /** Public domain Traefik routes to this instance. */
  domain: string;
  /** Port the instance's HTTP is published on, on the server's loopback (health checks). */
  httpPort: number;
  /** Modules that must be installed (technical names). */
  modules: string[];
  /** Modules that must be uninstalled. Nothing is ever uninstalled unless listed here. */
  removeModules: string[];
  addons: AddonsRepoSpec[];
  /** Managed odoo.conf options (workers, limit_memory_hard, ...). */
  options: Record<string, OdooOptionValue>;
  /** Update windows for this instance (empty: always open). */
  windows: WindowSpec[];
}

export interface ServerSpec {
  host: string;
  port: number;
  user: string;
  /** Pinned SSH host key fingerprint, "SHA256:<base64 without padding>". */
  hostKey: string;
  /** Expected OS release, e.g. "ubuntu-22.04". */
  os: string;
}

/** Reference to a secret: "env:NAME" or "file:PATH". Never the secret itself. */
export type SecretRef = string;

export interface BackupDestinationSpec {
  name: string;
  /** restic repository URL, e.g. "s3:https://s3.gra.io.cloud.ovh.net/bucket/acme". */
  url: string;
  /** Site / provider identifier; the two copies of a client must be on distinct sites. */
  site: string;
  /** sftp: the SSH private key; otherwise NAME=VALUE lines of restic's environment (AWS_ACCESS_KEY_ID=...). */
  credentials?: SecretRef;
  /** sftp: the destination's SSH host key "TYPE BASE64", pinned in the server's known_hosts. */
  hostKey?: string;
  /** A file: reference to the CA certificate of an https destination signed by a private CA. */
  caCert?: SecretRef;
}

export interface BackupSpec {
  schedule: string;
  timeZone: string;
  retention: { daily: number; weekly: number; monthly: number };
  destinations: BackupDestinationSpec[];
  encryptionKey: SecretRef;
}

/** Declared, not yet enforced by odoops. Each window is optional (left out: a warning). */
export interface MaintenanceSpec {
  /** Monthly security updates. */
  security?: WindowSpec;
  /** Quarterly OS and software updates. */
  os?: WindowSpec;
}

export interface NrpeCheckSpec {
  name: string;
  command: string;
  warning?: string;
  critical?: string;
  /** Further plugin arguments, after -w/-c. */
  args?: string[];
}

export interface MonitoringSpec {
  /** Addresses (or CIDR ranges, host names) allowed to query NRPE. */
  servers: string[];
  checks: NrpeCheckSpec[];
}

/** A central Nagios server: an SSH target (host key pinned) and a source of NRPE queries. */
export interface MonitoringServerSpec {
  name: string;
  host: string;
  port: number;
  user: string;
  /** Absent only for the older bare-host-name form, which cannot be pushed to. */
  hostKey?: string;
  /** Addresses its checks come from (default: [host]). */
  addresses: string[];
}

/** How the proxy protects one instance. */
export interface ProtectionSpec {
  basicAuth?: {
    /** Reference to htpasswd lines (name:hash). */
    usersSecret: SecretRef;
    realm?: string;
  };
  /** Only these addresses / CIDR ranges may reach the instance. */
  ipAllowList?: string[];
  /** Whether the monitoring servers bypass the protection. Default true. */
  allowMonitoring?: boolean;
}

/** Reverse proxy (Traefik) settings of a client. */
export interface ProxySpec {
  /** Traefik certificate resolver name (static configuration). */
  certResolver: string;
  /** Protection by instance name. */
  protect: Record<string, ProtectionSpec>;
}

/** A client's resolved security baseline: every field set. */
export type SecuritySpec = Required<SecurityBaseline>;

/** Central log host (rsyslog over TLS). */
export interface LogHostSpec {
  host: string;
  port: number;
  /** Reference to the CA certificate (PEM) of the log host. */
  caCert: SecretRef;
  /** Name the log host's certificate must carry. */
  serverName: string;
}

/** A Nagios contact: notified through a command. */
export interface NagiosContactSpec {
  name: string;
  email?: string;
  /** Program and arguments; Nagios appends the notification (see operator/render/README.md). */
  notifyCommand: string[];
}

/** fleet.yaml `nagios`: the generated configuration of the monitoring servers. */
export interface NagiosSettings {
  /** File or URL the check_odoops plugin reads `odoops status --json` from. */
  statusSource: string;
  certificateWarningDays: number;
  certificateCriticalDays: number;
  contacts: NagiosContactSpec[];
}

export interface ClientSpec {
  name: string;
  /** Path of the client file in the config repo, e.g. "clients/acme.yaml". */
  file: string;
  server: ServerSpec;
  /** Instances in apply order: "test" first, "production" last, others in between by name. */
  instances: InstanceSpec[];
  /** Declared, not yet enforced by odoops; absent when neither the client nor fleet.yaml defaults declare backups. */
  backups?: BackupSpec;
  /** Declared, not yet enforced by odoops. */
  maintenance: MaintenanceSpec;
  /** Declared, not yet enforced by odoops. */
  monitoring: MonitoringSpec;
  /** fleet.yaml `security` with this client's overrides and the built-in baseline. */
  security: SecuritySpec;
  proxy: ProxySpec;
}

export interface OperatorSettings {
  /** How many servers are reconciled at once. Default 20. */
  concurrency: number;
  /** Cron schedule (fleet time zone) of drift detection runs by `odoops serve`. Default "0 6 * * *". */
  driftSchedule: string;
  /** Clients `odoops serve` reverts when scheduled drift finds their server changed (opt-in, inside windows). */
  selfHeal: string[];
  /** Where merge requests, comments and the drift issue live. */
  forge?: { kind: 'gitlab' | 'github'; url: string; project: string; token: SecretRef; webhookSecret?: SecretRef };
}

/** Security baseline every server must meet (fleet.yaml `security`). Declared, not yet enforced by odoops. */
export interface SecurityBaseline {
  sshPasswordAuthentication?: boolean;
  sshPermitRootLogin?: 'no' | 'prohibit-password' | 'yes';
  fail2ban?: boolean;
  firewallAllowTcp?: number[];
  unattendedUpgrades?: boolean;
  fail2banMaxRetry?: number;
  /** fail2ban duration: 10m, 1h, 1d. */
  fail2banBanTime?: string;
  /** apt packages never upgraded by unattended-upgrades or maintenance. */
  heldPackages?: string[];
}

/** An instance as written in a file: every field optional (defaults fill the rest). */
export type InstanceDefaults = Partial<Omit<InstanceSpec, 'name' | 'windows'>> & { windows?: WindowInput[] };

/** A window as written in a file: timeZone defaults to fleet `timezone`, manualSync to true. */
export type WindowInput = Omit<WindowSpec, 'timeZone' | 'manualSync'> & { timeZone?: string; manualSync?: boolean };

/** fleet.yaml `defaults`: merged under every client (maps merge deep, lists replace, scalars override). */
export interface FleetDefaults {
  server?: Partial<Pick<ServerSpec, 'port' | 'user' | 'os'>>;
  /** Defaults of every instance. */
  instance?: InstanceDefaults;
  /** Defaults of instances by name, merged over `instance`. */
  instances?: Record<string, InstanceDefaults>;
  backups?: Partial<Omit<BackupSpec, 'destinations' | 'retention' | 'timeZone'>> & {
    timeZone?: string;
    retention?: Partial<BackupSpec['retention']>;
    /** Names of backup destinations. */
    destinations?: string[];
  };
  maintenance?: { security?: WindowInput; os?: WindowInput };
  monitoring?: Partial<MonitoringSpec>;
  proxy?: Partial<ProxySpec>;
}

/** What a fleet allows its client files beyond odoops' built-in rules (fleet.yaml `policy`). */
export interface FleetPolicy {
  /** file:/// directory prefixes under which addons repositories may be read on the servers. */
  allowFileUrls: string[];
  /** Extra odoo.conf options client files may set (e.g. options of an addon). */
  allowOptions: string[];
}

export interface FleetSpec {
  /** Default IANA time zone of windows and backup schedules. */
  timezone: string;
  operator: OperatorSettings;
  policy: FleetPolicy;
  monitoringServers: MonitoringServerSpec[];
  nagios: NagiosSettings;
  logHost?: LogHostSpec;
  security: SecurityBaseline;
  /** Backup destinations by name (resolved into each client's backups.destinations). */
  backupDestinations: Record<string, BackupDestinationSpec>;
  /** The raw defaults, as written in fleet.yaml. */
  defaults: FleetDefaults;
}

/** The whole desired state at one revision of the config repo. */
export interface DesiredState {
  /**
   * What the state was read at, as reports show it: the commit SHA (40 hex), or for a working
   * tree with uncommitted changes `<commit>+dirty` (`worktree` before the first commit).
   */
  revision: string;
  /** The commit or working tree read; only a commit may be applied. */
  source: ConfigSource;
  /** Warnings of validation (the state is valid; they say what may not be meant). */
  warnings: ValidationIssue[];
  /** Local path of the git repository read (the cache clone for a URL). */
  repoPath: string;
  fleet: FleetSpec;
  /** Clients sorted by name. */
  clients: ClientSpec[];
}

/** An error makes the config unusable; a warning does not (validate still succeeds). */
export type IssueSeverity = 'error' | 'warning';

/** One problem found in the config repo, located in a file. */
export interface ValidationIssue {
  /** Path relative to the config repo root, e.g. "clients/acme.yaml". */
  file: string;
  /** 1-based line and column. */
  line: number;
  col: number;
  severity: IssueSeverity;
  /** Starts with the key path it is about, e.g. "instances.production.image: ...". */
  message: string;
}
