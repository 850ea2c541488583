/**
 * Pure: the fleet view's backup column from the server's backup status file, judged as drift
 * judges it (operator/backup/health.ts, one rule): per destination ok or its problems, and
 * how fresh the copies are.
 */
import { backupHealth, type BackupStatusFile } from '../backup/health.ts';
import type { ClientSpec } from '../desired/types.ts';
import type { BackupStatus } from './types.ts';

/** What collect read from the server: the status file (null: the backup program is not installed), or why it could not. */
export type BackupReading = { read: true; status: BackupStatusFile | null } | { read: false; reason: string };

export const BACKUP_NOT_INSTALLED = 'no backup status on the server: the backup program (managed unit "backup") is not installed';

export function backupStatuses(spec: ClientSpec, reading: BackupReading, now: Date): BackupStatus[] {
  const destinations = spec.backups?.destinations ?? [];
  if (!reading.read) return destinations.map((d) => ({ destination: d.name, state: 'unknown', reason: reading.reason }));
  if (!reading.status) return destinations.map((d) => ({ destination: d.name, state: 'unknown', reason: BACKUP_NOT_INSTALLED }));
  const health = backupHealth(spec, reading.status, now);
  return health.destinations.map((d) => {
    const times = d.instances.map((i) => (i.time ? Date.parse(i.time) : NaN));
    // Every instance has a copy at least this fresh: the oldest of their newest snapshots.
    const oldest = times.some((x) => Number.isNaN(x)) || times.length === 0 ? null : Math.min(...times);
    const common = {
      destination: d.destination,
      newestAt: oldest === null ? null : new Date(oldest).toISOString(),
      ageSeconds: oldest === null ? null : Math.max(0, Math.round((now.getTime() - oldest) / 1000)),
      instances: d.instances.map((i) => ({ instance: i.instance, at: i.time, problem: i.problem })),
      lastCheck: d.check ? { ok: d.check.ok, at: d.check.at } : null,
    };
    return d.ok ? { ...common, state: 'ok' as const } : { ...common, state: 'problem' as const, problems: d.problems };
  });
}
