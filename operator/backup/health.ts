/**
 * Backup health (pure): what the server's backup status file says, judged against the
 * desired schedule. Per destination and instance: the newest snapshot's age and size and
 * the last `restic check`. Missing, failing (last run or check failed) or too old (older
 * than the last scheduled run, give or take BACKUP_MARGIN_MS) is drift; a client whose every
 * instance is fresh on at least one destination, but not on all, is degraded.
 */
import { Cron } from 'croner';
import type { ClientSpec } from '../desired/types.ts';

/** What odoops-backup.py keeps in BACKUP_STATUS_FILE. */
export interface BackupStatusFile {
  version?: number;
  lastRun?: { startedAt: string; finishedAt: string };
  destinations: Record<string, {
    lastRun?: { at: string; ok: boolean; code?: string | null; error?: string | null };
    newest?: Record<string, { id: string | null; time: string; size: number | null; revision?: string }>;
    check?: { ok: boolean; at: string; error?: string } | null;
  }>;
  sizes?: Record<string, number | null>;
  /** When the backup configuration was installed (added by `odoops-backup status`). */
  configSince?: string;
}

/** A run may take this long after its scheduled time before its absence counts. */
export const BACKUP_MARGIN_MS = 6 * 3600_000;

export type BackupProblem = 'missing' | 'failing' | 'check-failed' | 'too-old';

export interface InstanceBackupHealth {
  instance: string;
  snapshot: string | null;
  time: string | null;
  ageMs: number | null;
  size: number | null;
  problem: BackupProblem | null;
}

export interface DestinationHealth {
  destination: string;
  ok: boolean;
  instances: InstanceBackupHealth[];
  check: { ok: boolean; at: string; error?: string } | null;
  lastRun: { at: string; ok: boolean; code?: string | null; error?: string | null } | null;
  /** One line per problem, for reports. */
  problems: string[];
}

export type BackupHealthState = 'ok' | 'degraded' | 'failing';

export interface BackupHealth {
  state: BackupHealthState;
  destinations: DestinationHealth[];
  /** The scheduled run the newest snapshot must not be older than. */
  expectedSince: string | null;
}

/** The latest scheduled run at or before `at` (in the schedule's time zone). */
export function lastScheduledRun(schedule: string, timeZone: string, at: Date): Date | null {
  const cron = new Cron(schedule, { timezone: timeZone, paused: true, mode: '5-part' });
  const runs = cron.previousRuns(1, new Date(at.getTime() + 1000));
  return runs[0] ?? null;
}

export function backupHealth(spec: ClientSpec, status: BackupStatusFile | null, now: Date, marginMs = BACKUP_MARGIN_MS): BackupHealth {
  const b = spec.backups;
  if (!b) return { state: 'ok', destinations: [], expectedSince: null };
  const scheduled = lastScheduledRun(b.schedule, b.timeZone, new Date(now.getTime() - marginMs));
  // A schedule installed after its last run was due has nothing to show yet: not drift.
  const since = status?.configSince ? Date.parse(status.configSince) : NaN;
  const expected = scheduled && !(since > scheduled.getTime()) ? scheduled : null;
  const destinations: DestinationHealth[] = b.destinations.map((d) => {
    const st = status?.destinations[d.name];
    const problems: string[] = [];
    const lastRun = st?.lastRun ?? null;
    const check = st?.check ?? null;
    const instances = spec.instances.map((i): InstanceBackupHealth => {
      const n = st?.newest?.[i.name];
      const t = n ? Date.parse(n.time) : NaN;
      let problem: BackupProblem | null = null;
      if (!n || Number.isNaN(t)) problem = expected || !status?.configSince ? 'missing' : null;
      else if (expected && t < expected.getTime()) problem = 'too-old';
      return { instance: i.name, snapshot: n?.id ?? null, time: n?.time ?? null, ageMs: Number.isNaN(t) ? null : now.getTime() - t, size: n?.size ?? null, problem };
    });
    for (const i of instances) {
      if (i.problem === 'missing') problems.push(`${d.name}: no snapshot of ${i.instance}${expected ? ` since the run scheduled at ${expected.toISOString()}` : ''}`);
      if (i.problem === 'too-old') problems.push(`${d.name}: newest snapshot of ${i.instance} is from ${i.time}, before the run scheduled at ${expected!.toISOString()}`);
    }
    if (lastRun && !lastRun.ok) problems.push(`${d.name}: last run failed at ${lastRun.at}${lastRun.error ? `: ${lastRun.error}` : ''}`);
    if (!check) {
      if (expected || !status?.configSince) problems.push(`${d.name}: never checked (restic check)`);
    } else if (!check.ok) problems.push(`${d.name}: restic check failed at ${check.at}${check.error ? `: ${check.error}` : ''}`);
    // A failed run counts against freshness only through the snapshots it did not make.
    if (lastRun && !lastRun.ok) for (const i of instances) i.problem ??= 'failing';
    if (check && !check.ok) for (const i of instances) i.problem ??= 'check-failed';
    return { destination: d.name, ok: problems.length === 0, instances, check, lastRun, problems };
  });
  const fresh = (inst: string) => destinations.filter((d) => d.instances.find((i) => i.instance === inst && i.problem === null));
  const everyOk = destinations.every((d) => d.ok);
  const eachSomewhere = spec.instances.every((i) => fresh(i.name).length > 0);
  return { state: everyOk ? 'ok' : eachSomewhere ? 'degraded' : 'failing', destinations, expectedSince: expected?.toISOString() ?? null };
}
