/** Pure: one client's status row from what was read (desired, probe + plan, OS state, journal). */
import type { ClientSpec } from '../desired/types.ts';
import type { LiveState } from '../live/types.ts';
import { releaseName } from '../maintain/parse.ts';
import { MAINTENANCE_KINDS, type OsState } from '../maintain/types.ts';
import { windowStatus } from '../plan/windows.ts';
import { managedChanges } from '../plan/managed.ts';
import type { Plan } from '../plan/types.ts';
import { lastApplyOf } from './runs.ts';
import { backupStatuses, type BackupReading } from './backups.ts';
import { monitoringStatus } from './monitoring.ts';
import type { ClientStatus, DriftState, InstanceStatus, RunRecord } from './types.ts';


export interface StatusInputs {
  spec: ClientSpec;
  live: LiveState;
  plan: Plan;
  os: OsState | null;
  /** The server's backup status (absent: not read, e.g. unreachable). */
  backups?: BackupReading;
  runs: RunRecord[];
  now: Date;
  errors?: string[];
}

export function buildClientStatus({ spec, live, plan, os, backups: backupReading, runs, now, errors = [] }: StatusInputs): ClientStatus {
  const instances: InstanceStatus[] = spec.instances.map((inst) => {
    const ip = plan.instances.find((p) => p.instance === inst.name);
    const li = live.reachable ? live.instances[inst.name] : undefined;
    return {
      name: inst.name,
      desired: { image: inst.image, series: inst.series, domain: inst.domain, modules: inst.modules.length },
      live: li
        ? {
            present: li.present,
            image: li.image,
            series: li.odooVersion,
            running: li.running,
            installedModules: Object.values(li.modules).filter((m) => m.state === 'installed').length,
            lastApplied: li.lastApplied,
          }
        : null,
      changes: ip?.changes ?? [],
      blocked: ip?.blocked ?? null,
      window: ip?.window ?? windowStatus(inst.windows, now),
    };
  });
  // Files odoops keeps on the server (NRPE, baseline, ...), when the plan checked them.
  const managed = plan.managed ? managedChanges(plan.managed) : [];
  const drift: DriftState = !live.reachable ? 'unknown' : instances.some((i) => i.changes.length > 0 || i.blocked) || managed.length > 0 ? 'drifted' : 'in-sync';
  const backups = backupStatuses(spec, backupReading ?? { read: false, reason: live.reachable ? 'backup status not read' : 'server unreachable' }, now);
  const lastApplied = instances.map((i) => i.live?.lastApplied).filter((x): x is { revision: string; at: string } => !!x).sort((a, b) => (a.at < b.at ? 1 : -1))[0];
  const fromJournal = lastApplyOf(runs);
  return {
    client: spec.name,
    file: spec.file,
    host: `${spec.server.host}:${spec.server.port}`,
    reachable: live.reachable,
    ...(live.reachable ? {} : { unreachable: { code: live.code === 'host-key-mismatch' ? 'host-key-mismatch' : 'unreachable', message: live.reason } }),
    os: { expected: spec.server.os, live: os ? releaseName(os) : live.reachable ? live.host.os : null, pretty: os?.release?.pretty ?? null },
    instances,
    drift,
    managedChanges: managed,
    lastApply: fromJournal ?? (lastApplied ? { revision: lastApplied.revision, at: lastApplied.at, result: 'applied' } : null),
    backups,
    updates: os ? { security: os.pending.security.length, other: os.pending.other.length, held: os.held, listsUpdatedAt: os.listsUpdatedAt, packages: os.pending } : null,
    rebootRequired: os ? os.rebootRequired : null,
    windows: MAINTENANCE_KINDS.map((kind) => {
      const w = spec.maintenance[kind];
      return { kind, window: w ? windowStatus([w], now) : null };
    }),
    monitoring: monitoringStatus(spec, plan.managed, live.reachable),
    recentRuns: runs.slice(0, 10),
    errors: [...errors, ...(os?.errors ?? [])],
  };
}
