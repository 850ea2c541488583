/**
 * Backup health as part of live state and drift: the server's backup status read back
 * (the program's status file), judged against the desired schedule (health.ts), its
 * problems as Changes of the plan ("backups.<destination>"). reconcile calls it for every
 * client that declares backups, in plan and drift runs alike.
 */
import type { ClientSpec } from '../desired/types.ts';
import type { HostSession } from '../live/ssh.ts';
import type { BackupDrift, Change } from '../plan/types.ts';
import { errorMessage } from '../util/errors.ts';
import { backupHealth, type BackupHealth } from './health.ts';
import { readBackupStatus } from './run.ts';

const age = (ms: number | null): string => (ms === null ? '?' : ms < 3600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3600_000).toFixed(1)} h`);

/** The health's problems as Changes (pure). */
export function backupChanges(h: BackupHealth): Change[] {
  const out: Change[] = [];
  for (const d of h.destinations) {
    if (d.ok) continue;
    const newest = d.instances.map((i) => `${i.instance} ${i.time ? `${i.time} (${age(i.ageMs)} old, ${i.size ?? '?'} bytes)` : 'none'}`).join('; ');
    for (const p of d.problems) {
      out.push({
        path: `backups.${d.destination}`,
        from: newest,
        to: `a snapshot since ${h.expectedSince ?? 'the last scheduled run'} and a passing restic check`,
        reason: `${p}${h.state === 'degraded' ? ' (degraded: another destination has fresh copies)' : ''}`,
      });
    }
  }
  return out;
}

export async function observeBackups(session: HostSession, spec: ClientSpec, now: Date): Promise<BackupDrift | undefined> {
  if (!spec.backups) return undefined;
  try {
    const status = await readBackupStatus(session);
    // Not installed: the managed-files unit "backup" reports its missing files.
    if (!status) return undefined;
    const h = backupHealth(spec, status, now);
    return { state: h.state, changes: backupChanges(h) };
  } catch (err) {
    return { state: 'failing', changes: [{ path: 'backups', from: null, to: null, reason: `cannot read the backup status: ${errorMessage(err)}` }] };
  }
}
