/**
 * Defaults and inheritance. Merge rules (also in the schema descriptions and the example
 * README): maps merge key by key (deep), lists replace, scalars override; the more specific
 * layer wins. Layers, weakest first:
 *   built-in defaults < fleet.yaml defaults.<section> < the client file
 * and for an instance I: built-in < defaults.instance < defaults.instances.I < instances.I.
 * Built-in: server.port 22, server.user root, httpPort 8069 (production) / 8070 (test),
 * database <client>_<instance> ('-' -> '_'), empty modules/removeModules/addons/options/
 * windows, window manualSync true, window and backup timeZone = fleet timezone, backup
 * retention 7 daily / 4 weekly / 6 monthly, monitoring.servers = the addresses (else host) of
 * fleet monitoringServers, security = BUILTIN_SECURITY < fleet security < client security,
 * proxy.certResolver letsencrypt.
 *
 * Resolution runs on data the schema may have refused parts of (those parts are pruned
 * first, see prune.ts), so it never assumes a key is present or a list has no holes.
 */
import { issueAt } from './issues.ts';
import type {
  BackupDestinationSpec,
  ClientSpec,
  FleetDefaults,
  FleetSpec,
  InstanceSpec,
  IssueSeverity,
  LogHostSpec,
  MonitoringServerSpec,
  SecuritySpec,
  ValidationIssue,
  WindowInput,
  WindowSpec,
} from './types.ts';
import { dataDepth, formatPath, type Path, positionOf, type YamlFile } from './yaml.ts';

type Obj = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const k in v) out[k] = clone(v[k]);
    return out as T;
  }
  return v;
}

/**
 * Maps merge deep, lists replace, scalars override; `undefined` in `over` keeps `base`.
 * The result shares nothing with its inputs.
 */
export function mergeDeep<T = unknown>(base: unknown, over: unknown): T {
  if (over === undefined) return clone(base) as T;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Obj = {};
    for (const k in base) out[k] = k in over ? mergeDeep(base[k], over[k]) : clone(base[k]);
    for (const k in over) if (!(k in base)) out[k] = clone(over[k]);
    return out as T;
  }
  return clone(over) as T;
}

export const BUILTIN_HTTP_PORTS: Record<string, number> = { production: 8069, test: 8070 };

/** Apply order: test first, production last, other instances by name in between. */
export function instanceOrder(a: string, b: string): number {
  const rank = (n: string) => (n === 'test' ? 0 : n === 'production' ? 2 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The security baseline where neither fleet.yaml nor the client file says otherwise. */
export const BUILTIN_SECURITY: SecuritySpec = {
  sshPasswordAuthentication: false,
  sshPermitRootLogin: 'prohibit-password',
  fail2ban: true,
  firewallAllowTcp: [22, 80, 443],
  unattendedUpgrades: false,
  fail2banMaxRetry: 5,
  fail2banBanTime: '1h',
  heldPackages: ['odoo'],
};

/** A monitoringServers entry: the SSH-target form, or the older bare host name (no host key). */
function resolveMonitoringServer(entry: string | Obj): MonitoringServerSpec {
  if (typeof entry === 'string') return { name: entry, host: entry, port: 22, user: 'root', addresses: [entry] };
  return {
    name: entry.name as string,
    host: entry.host as string,
    port: (entry.port as number | undefined) ?? 22,
    user: (entry.user as string | undefined) ?? 'root',
    hostKey: entry.hostKey as string,
    addresses: (entry.addresses as string[] | undefined) ?? [entry.host as string],
  };
}

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function resolveFleet(raw: Obj): FleetSpec {
  const op = obj(raw.operator);
  const policy = obj(raw.policy);
  const dests: Record<string, BackupDestinationSpec> = {};
  for (const [name, value] of Object.entries(obj(raw.backupDestinations))) {
    const d = obj(value);
    dests[name] = {
      name, url: d.url as string, site: d.site as string,
      ...(d.credentials ? { credentials: d.credentials as string } : {}),
      ...(d.hostKey ? { hostKey: d.hostKey as string } : {}),
      ...(d.caCert ? { caCert: d.caCert as string } : {}),
    };
  }
  return {
    timezone: raw.timezone as string,
    operator: {
      concurrency: (op.concurrency as number | undefined) ?? 20,
      driftSchedule: (op.driftSchedule as string | undefined) ?? '0 6 * * *',
      selfHeal: strings(op.selfHeal),
      ...(op.forge ? { forge: op.forge as NonNullable<FleetSpec['operator']['forge']> } : {}),
    },
    policy: { allowFileUrls: strings(policy.allowFileUrls), allowOptions: strings(policy.allowOptions) },
    monitoringServers: (Array.isArray(raw.monitoringServers) ? raw.monitoringServers : [])
      .filter((m): m is string | Obj => typeof m === 'string' || isPlainObject(m))
      .map(resolveMonitoringServer),
    nagios: {
      statusSource: '/var/lib/odoops/status.json',
      certificateWarningDays: 21,
      certificateCriticalDays: 7,
      contacts: [],
      ...obj(raw.nagios),
    } as FleetSpec['nagios'],
    ...(isPlainObject(raw.logHost) ? { logHost: { port: 6514, serverName: raw.logHost.host, ...raw.logHost } as LogHostSpec } : {}),
    security: (raw.security as FleetSpec['security'] | undefined) ?? {},
    backupDestinations: dests,
    defaults: obj(raw.defaults) as FleetDefaults,
  };
}

/**
 * Maps a path in the resolved client back to where its value was written: the client file
 * or the fleet.yaml default it inherits from.
 */
export class Locator {
  constructor(
    readonly client: YamlFile,
    readonly fleet: YamlFile | null,
  ) {}

  /** Where `path` of the resolved client may be written: the client file first, then fleet.yaml defaults. */
  private layers(path: Path): { f: YamlFile; p: Path }[] {
    const out: { f: YamlFile; p: Path }[] = [{ f: this.client, p: path }];
    if (this.fleet) for (const p of fleetPaths(path)) out.push({ f: this.fleet, p });
    return out;
  }

  /** Whether `path` is written in the client file or an inherited default. */
  written(path: Path): boolean {
    return this.layers(path).some((l) => dataDepth(l.f, l.p) === l.p.length);
  }

  /**
   * An issue about `path` of the resolved client, located where its value comes from (the
   * first layer that has all of it, else the deepest partial match) and named by its full key
   * path in that file, so an inherited problem reads the same for every client (and is
   * reported once).
   */
  issue(path: Path, message: string, onKey = false, severity: IssueSeverity = 'error'): ValidationIssue {
    let best: { f: YamlFile; p: Path; depth: number } | null = null;
    for (const l of this.layers(path)) {
      const depth = dataDepth(l.f, l.p);
      const full = depth === l.p.length;
      // A fleet layer only counts once it matches beyond its "defaults.<section>" prefix.
      const consumed = path[0] === 'instances' ? 2 : 1;
      const base = l.f === this.client ? 0 : l.p.length - (path.length - consumed);
      if (full) {
        best = { ...l, depth: Number.MAX_SAFE_INTEGER };
        break;
      }
      // Depth counted in segments of `path`, so layers compare fairly.
      const rel = l.f === this.client ? depth : depth > base ? depth - base + consumed : 0;
      if (rel > 0 && (!best || rel > best.depth)) best = { ...l, depth: rel };
    }
    const target = best ?? { f: this.client, p: path };
    const pos = positionOf(target.f, target.p, onKey);
    const shown = formatPath(target.p);
    return issueAt(target.f.file, pos, shown ? `${shown}: ${message}` : message, severity);
  }

  /**
   * A required value set nowhere: reported in the client file at the deepest part of `path`
   * that exists, naming the places it may be set (this file, then the fleet.yaml defaults).
   */
  missing(path: Path, note = ''): ValidationIssue {
    const places = [`here`, ...fleetPaths(path).map((p) => `in fleet.yaml ${formatPath(p)}`)];
    const pos = positionOf(this.client, path, true);
    const where = places.length > 1 ? `${places.slice(0, -1).join(', ')} or ${places.at(-1)}` : places[0];
    return issueAt(this.client.file, pos, `${formatPath(path)}: not set: set it ${where}${note ? ` (${note})` : ''}`);
  }
}

/** The fleet.yaml paths a client path inherits from, most specific first. */
export function fleetPaths(path: Path): Path[] {
  const [head, ...rest] = path;
  if (head === 'instances' && rest.length > 0) {
    const [inst, ...tail] = rest;
    return [
      ['defaults', 'instances', inst!, ...tail],
      ['defaults', 'instance', ...tail],
    ];
  }
  if (head === 'server' || head === 'backups' || head === 'maintenance' || head === 'monitoring' || head === 'proxy') {
    const out: Path[] = [['defaults', head, ...rest]];
    if (head === 'monitoring' && rest[0] === 'servers') out.push(['monitoringServers']);
    return out;
  }
  // A client's security overrides fleet.yaml's own `security` (not under defaults).
  if (head === 'security') return [path];
  return [];
}

/** A window as written (possibly a hole the schema refused) resolved with the fleet time zone. */
function resolveWindow(w: WindowInput | undefined, tz: string): WindowSpec {
  if (!isPlainObject(w)) return undefined as unknown as WindowSpec;
  return { kind: w.kind, schedule: w.schedule, duration: w.duration, timeZone: w.timeZone ?? tz, manualSync: w.manualSync ?? true };
}

export interface Resolved {
  spec: ClientSpec;
  /** Problems found while resolving (missing after defaults, unknown destination, ...). */
  issues: ValidationIssue[];
  /** Sections of NOT_YET_ENFORCED (client side) neither the client nor fleet.yaml declares. */
  undeclared: string[];
}

/**
 * A client file (`raw`: the data the schema accepted, see prune.ts) merged over the fleet
 * defaults. `asWritten` is the file's data before pruning: a section the schema refused part
 * of is still declared (its problem is reported, not a "not declared" warning).
 */
export function resolveClient(fleet: FleetSpec, raw: Obj, loc: Locator, fileName: string, asWritten: Obj = raw): Resolved {
  const issues: ValidationIssue[] = [];
  const undeclared: string[] = [];
  const d = fleet.defaults;
  const name = typeof raw.name === 'string' ? raw.name : fileName;
  const tz = fleet.timezone;

  const server = mergeDeep<Obj>({ port: 22, user: 'root', ...d.server }, raw.server);
  // A value written but refused by the schema is reported there, not as "not set".
  const missing = (path: Path, note = '') => {
    if (!loc.written(path)) issues.push(loc.missing(path, note));
  };
  if (server.os === undefined) missing(['server', 'os']);

  const rawInstances = obj(raw.instances);
  const instances: InstanceSpec[] = [];
  for (const iname of Object.keys(rawInstances).sort(instanceOrder)) {
    const builtin: Obj = {
      database: `${name}_${iname}`.replace(/-/g, '_'),
      modules: [],
      removeModules: [],
      addons: [],
      options: {},
      windows: [],
      ...(BUILTIN_HTTP_PORTS[iname] ? { httpPort: BUILTIN_HTTP_PORTS[iname] } : {}),
    };
    let merged = mergeDeep<Obj>(builtin, d.instance);
    merged = mergeDeep<Obj>(merged, d.instances?.[iname]);
    merged = mergeDeep<Obj>(merged, rawInstances[iname]);
    for (const field of ['series', 'image', 'domain', 'httpPort'] as const) {
      if (merged[field] === undefined) missing(['instances', iname, field], field === 'httpPort' ? 'only production and test have a default port' : '');
    }
    instances.push({
      name: iname,
      series: merged.series as string,
      image: merged.image as string,
      database: merged.database as string,
      domain: merged.domain as string,
      httpPort: merged.httpPort as number,
      modules: merged.modules as string[],
      removeModules: merged.removeModules as string[],
      addons: merged.addons as InstanceSpec['addons'],
      options: merged.options as InstanceSpec['options'],
      windows: (merged.windows as (WindowInput | undefined)[]).map((w) => resolveWindow(w, tz)),
    });
  }

  let backups: ClientSpec['backups'];
  if (asWritten.backups === undefined && d.backups === undefined) undeclared.push('backups');
  else {
    const b = mergeDeep<Obj>(mergeDeep<Obj>({ retention: { daily: 7, weekly: 4, monthly: 6 } }, d.backups), raw.backups);
    for (const field of ['schedule', 'destinations', 'encryptionKey'] as const) {
      if (b[field] === undefined) missing(['backups', field], 'backups are declared, so they need a schedule, destinations and an encryption key');
    }
    const destinations: BackupDestinationSpec[] = [];
    for (const [i, dn] of ((b.destinations as (string | undefined)[] | undefined) ?? []).entries()) {
      if (typeof dn !== 'string') continue;
      const dest = fleet.backupDestinations[dn];
      if (!dest) {
        const known = Object.keys(fleet.backupDestinations).join(', ') || 'none';
        issues.push(loc.issue(['backups', 'destinations', i], `unknown backup destination "${dn}" (fleet.yaml backupDestinations: ${known})`));
        continue;
      }
      const twice = destinations.find((x) => x.name === dn);
      const sameSite = destinations.find((x) => x.site === dest.site);
      if (twice) issues.push(loc.issue(['backups', 'destinations', i], `backup destination "${dn}" is used twice: the two copies must be on distinct sites`));
      else if (sameSite) issues.push(loc.issue(['backups', 'destinations', i], `backup destinations "${sameSite.name}" and "${dn}" are both on site "${dest.site}": the two copies must be on distinct sites`));
      destinations.push(clone(dest));
    }
    backups = {
      schedule: b.schedule as string,
      timeZone: (b.timeZone as string | undefined) ?? tz,
      retention: b.retention as NonNullable<ClientSpec['backups']>['retention'],
      destinations,
      encryptionKey: b.encryptionKey as string,
    };
  }

  const m = mergeDeep<Obj>(d.maintenance ?? {}, raw.maintenance);
  const declared = { ...obj(d.maintenance), ...obj(asWritten.maintenance) };
  const maintenance: ClientSpec['maintenance'] = {};
  for (const field of ['security', 'os'] as const) {
    if (declared[field] === undefined) undeclared.push(`maintenance.${field}`);
    if (m[field] !== undefined) maintenance[field] = resolveWindow(m[field] as WindowInput, tz);
  }
  if (asWritten.monitoring === undefined && d.monitoring === undefined && fleet.monitoringServers.length === 0) undeclared.push('monitoring');
  const monitoringSources = fleet.monitoringServers.flatMap((s) => s.addresses);
  const mon = mergeDeep<Obj>({ servers: monitoringSources, checks: [] }, mergeDeep(d.monitoring ?? {}, raw.monitoring));
  const security = mergeDeep<SecuritySpec>(mergeDeep(BUILTIN_SECURITY, fleet.security), raw.security);
  const proxy = mergeDeep<ClientSpec['proxy']>(mergeDeep({ certResolver: 'letsencrypt', protect: {} }, d.proxy), raw.proxy);
  // Protection the fleet sets for an instance the client does not have (defaults.proxy.protect.test
  // for a production-only client) does not apply; written in the client file, it is a mistake.
  for (const iname of Object.keys(proxy.protect ?? {})) {
    if (iname in rawInstances) continue;
    if (isPlainObject(asWritten.proxy) && isPlainObject(asWritten.proxy.protect) && iname in asWritten.proxy.protect) {
      issues.push(loc.issue(['proxy', 'protect', iname], `no instance "${iname}" to protect (instances: ${Object.keys(rawInstances).join(', ')})`, true));
    }
    delete proxy.protect[iname];
  }

  const spec: ClientSpec = {
    name,
    file: loc.client.file,
    server: {
      host: server.host as string,
      port: server.port as number,
      user: server.user as string,
      hostKey: server.hostKey as string,
      os: server.os as string,
    },
    instances,
    ...(backups ? { backups } : {}),
    maintenance,
    monitoring: mon as unknown as ClientSpec['monitoring'],
    security,
    proxy,
  };
  return { spec, issues, undeclared };
}
