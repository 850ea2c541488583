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
 */
import type {
  BackupDestinationSpec,
  ClientSpec,
  FleetDefaults,
  FleetSpec,
  InstanceSpec,
  LogHostSpec,
  MonitoringServerSpec,
  SecuritySpec,
  ValidationIssue,
  WindowInput,
  WindowSpec,
} from './types.ts';
import { findPath, formatPath, type Path, positionOf, type YamlFile } from './yaml.ts';

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

export function resolveFleet(raw: Obj): FleetSpec {
  const op = (raw.operator ?? {}) as Obj;
  const dests: Record<string, BackupDestinationSpec> = {};
  for (const [name, d] of Object.entries((raw.backupDestinations ?? {}) as Record<string, Obj>)) {
    dests[name] = { name, url: d.url as string, site: d.site as string, ...(d.credentials ? { credentials: d.credentials as string } : {}) };
  }
  return {
    timezone: raw.timezone as string,
    operator: {
      concurrency: (op.concurrency as number | undefined) ?? 20,
      driftSchedule: (op.driftSchedule as string | undefined) ?? '0 6 * * *',
      ...(op.forge ? { forge: op.forge as NonNullable<FleetSpec['operator']['forge']> } : {}),
    },
    monitoringServers: ((raw.monitoringServers as (string | Obj)[] | undefined) ?? []).map(resolveMonitoringServer),
    nagios: {
      statusSource: '/var/lib/odoops/status.json',
      certificateWarningDays: 21,
      certificateCriticalDays: 7,
      contacts: [],
      ...((raw.nagios as Obj | undefined) ?? {}),
    } as FleetSpec['nagios'],
    ...(raw.logHost ? { logHost: { port: 6514, serverName: (raw.logHost as Obj).host, ...(raw.logHost as Obj) } as LogHostSpec } : {}),
    security: (raw.security as FleetSpec['security'] | undefined) ?? {},
    backupDestinations: dests,
    defaults: (raw.defaults as FleetDefaults | undefined) ?? {},
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

  private layers(path: Path): { f: YamlFile; p: Path }[] {
    const [head, ...rest] = path;
    const out: { f: YamlFile; p: Path }[] = [{ f: this.client, p: path }];
    const fl = this.fleet;
    if (!fl) return out;
    if (head === 'instances' && rest.length > 0) {
      const [inst, ...tail] = rest;
      out.push({ f: fl, p: ['defaults', 'instances', inst!, ...tail] }, { f: fl, p: ['defaults', 'instance', ...tail] });
    } else if (head === 'server' || head === 'backups' || head === 'maintenance' || head === 'monitoring' || head === 'proxy') {
      out.push({ f: fl, p: ['defaults', head, ...rest] });
      if (head === 'monitoring' && rest[0] === 'servers') out.push({ f: fl, p: ['monitoringServers'] });
    } else if (head === 'security') {
      out.push({ f: fl, p: path });
    }
    return out;
  }

  /** Whether `path` is written in the client file or an inherited default. */
  written(path: Path): boolean {
    return this.layers(path).some((l) => findPath(l.f, l.p).depth === l.p.length);
  }

  /** Where `path` comes from: the first layer that has all of it, else the deepest partial match. */
  issue(path: Path, message: string, onKey = false): ValidationIssue {
    let best: { f: YamlFile; p: Path; depth: number } | null = null;
    for (const l of this.layers(path)) {
      const depth = findPath(l.f, l.p).depth;
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
    // Name the path as written in that file, so an inherited problem reads the same for
    // every client (and is reported once).
    const shown = formatPath(target.p.slice(0, findPath(target.f, target.p).depth));
    return { file: target.f.file, line: pos.line, col: pos.col, message: shown ? `${shown}: ${message}` : message };
  }
}

function resolveWindow(w: WindowInput, tz: string): WindowSpec {
  return { kind: w.kind, schedule: w.schedule, duration: w.duration, timeZone: w.timeZone ?? tz, manualSync: w.manualSync ?? true };
}

export interface Resolved {
  spec: ClientSpec;
  /** Problems found while resolving (missing after defaults, unknown destination, ...). */
  issues: ValidationIssue[];
}

/** A client file (schema-valid data) merged over the fleet defaults. */
export function resolveClient(fleet: FleetSpec, raw: Obj, loc: Locator): Resolved {
  const issues: ValidationIssue[] = [];
  const d = fleet.defaults;
  const name = raw.name as string;
  const tz = fleet.timezone;

  const server = mergeDeep<Obj>({ port: 22, user: 'root', ...d.server }, raw.server);
  if (server.os === undefined) issues.push(loc.issue(['server'], 'no os (set it here or in fleet.yaml defaults.server)', true));

  const rawInstances = (raw.instances ?? {}) as Record<string, Obj>;
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
      if (merged[field] === undefined) {
        const where = field === 'httpPort' ? 'set it here (only production and test have a default port)' : 'set it here or in fleet.yaml defaults.instance';
        issues.push(loc.issue(['instances', iname], `no ${field}: ${where}`, true));
      }
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
      windows: (merged.windows as WindowInput[]).map((w) => resolveWindow(w, tz)),
    });
  }

  const b = mergeDeep<Obj>({ retention: { daily: 7, weekly: 4, monthly: 6 } }, d.backups);
  const backups = mergeDeep<Obj>(b, raw.backups);
  for (const field of ['schedule', 'destinations', 'encryptionKey'] as const) {
    if (backups[field] === undefined) issues.push(loc.issue(['backups'], `no ${field} (set it here or in fleet.yaml defaults.backups)`, true));
  }
  const destinations: BackupDestinationSpec[] = [];
  for (const [i, dn] of ((backups.destinations as string[] | undefined) ?? []).entries()) {
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

  const m = mergeDeep<Obj>(d.maintenance ?? {}, raw.maintenance);
  for (const field of ['security', 'os'] as const) {
    if (m[field] === undefined) issues.push(loc.issue(['maintenance'], `no ${field} window (set it here or in fleet.yaml defaults.maintenance)`, true));
  }
  const monitoringSources = fleet.monitoringServers.flatMap((m) => m.addresses);
  const mon = mergeDeep<Obj>({ servers: monitoringSources, checks: [] }, mergeDeep(d.monitoring ?? {}, raw.monitoring));
  const security = mergeDeep<SecuritySpec>(mergeDeep(BUILTIN_SECURITY, fleet.security), raw.security);
  const proxy = mergeDeep<ClientSpec['proxy']>(mergeDeep({ certResolver: 'letsencrypt', protect: {} }, d.proxy), raw.proxy);
  for (const iname of Object.keys(proxy.protect)) {
    if (!(iname in rawInstances)) issues.push(loc.issue(['proxy', 'protect', iname], `no instance "${iname}" to protect (instances: ${Object.keys(rawInstances).join(', ')})`, true));
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
    backups: {
      schedule: backups.schedule as string,
      timeZone: (backups.timeZone as string | undefined) ?? tz,
      retention: backups.retention as ClientSpec['backups']['retention'],
      destinations,
      encryptionKey: backups.encryptionKey as string,
    },
    maintenance: {
      security: m.security ? resolveWindow(m.security as WindowInput, tz) : (undefined as unknown as WindowSpec),
      os: m.os ? resolveWindow(m.os as WindowInput, tz) : (undefined as unknown as WindowSpec),
    },
    monitoring: mon as unknown as ClientSpec['monitoring'],
    security,
    proxy,
  };
  return { spec, issues };
}
