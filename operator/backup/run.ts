/**
 * Running the installed backup program on a server (operator/host/odoops-backup.py): a
 * backup now, the snapshots of every destination, the status of the last runs. Results are
 * typed from the program's RESULT line; exit 3 means degraded (a destination failed, every
 * instance is on another one).
 */
import { backupRun, backupSnapshots, backupStatus } from '../host/backup.ts';
import type { ExecResult, HostSession } from '../live/ssh.ts';
import { OdoopsError } from '../util/errors.ts';
import type { BackupStatusFile } from './health.ts';

export type BackupErrorCode = 'not-installed' | 'wrong-password' | 'no-repository' | 'unreachable' | 'timeout' | 'locked' | 'dump-failed' | 'dump-unreadable' | 'no-snapshot' | 'failed' | 'usage' | 'incomplete-snapshot';

export class BackupError extends OdoopsError {
  readonly transient: boolean;
  constructor(readonly code: BackupErrorCode, message: string) {
    super(message);
    this.name = 'BackupError';
    this.transient = code === 'unreachable' || code === 'timeout' || code === 'locked';
  }
}

export interface DestinationRun {
  ok: boolean;
  code?: BackupErrorCode;
  error?: string;
  snapshots: Record<string, { id: string | null; time: string; size: number | null; revision: string; entries: number }>;
}

export interface BackupRunResult {
  outcome: 'ok' | 'degraded' | 'failed';
  startedAt: string;
  finishedAt: string;
  instances: Record<string, { ok: boolean; copies?: number; revision?: string; entries?: number; code?: string; error?: string }>;
  destinations: Record<string, DestinationRun>;
  /** The program's PROGRESS lines, in order. */
  progress: string[];
}

/** The RESULT line of the program, or a typed error from it (or from its absence). */
export function resultOf<T>(res: ExecResult): T {
  if (res.code === 127 || /odoops-backup: (not found|No such file)/.test(res.stderr)) {
    throw new BackupError('not-installed', `backups are not installed on this server (run odoops apply, or odoops backup --install): ${res.stderr.trim()}`);
  }
  const line = res.stdout.split('\n').reverse().find((l) => l.startsWith('RESULT '));
  if (!line) throw new BackupError(res.failure === 'timeout' ? 'timeout' : 'failed', `${res.label}: exit ${res.code}: ${res.stderr.trim().split('\n').pop() ?? ''}`);
  const data = JSON.parse(line.slice(7)) as T & { error?: string; code?: BackupErrorCode };
  if (data.error && data.code) throw new BackupError(data.code, data.error);
  return data;
}

export const progressLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('PROGRESS ')).map((l) => l.slice(9));

export async function runBackup(session: HostSession, instance?: string): Promise<BackupRunResult> {
  const res = await session.exec(backupRun(instance));
  const data = resultOf<Omit<BackupRunResult, 'outcome' | 'progress'>>(res);
  const outcome = res.code === 0 ? 'ok' : res.code === 3 ? 'degraded' : 'failed';
  return { ...data, outcome, progress: progressLines(res.stdout) };
}

export interface SnapshotInfo {
  id: string;
  short?: string;
  time: string;
  tags: string[];
  paths: string[];
  size: number | null;
}

export type DestinationSnapshots = { ok: true; snapshots: SnapshotInfo[] } | { ok: false; code: BackupErrorCode; error: string };

export async function listSnapshots(session: HostSession): Promise<Record<string, DestinationSnapshots>> {
  return resultOf<Record<string, DestinationSnapshots>>(await session.exec(backupSnapshots()));
}

/** What the last runs recorded (no destination yet before the first run); null when backups are not installed. */
export async function readBackupStatus(session: HostSession): Promise<BackupStatusFile | null> {
  const res = await session.exec(backupStatus());
  if (res.code === 127) return null;
  try {
    const s = resultOf<BackupStatusFile>(res);
    return { ...s, destinations: s.destinations ?? {} };
  } catch (e) {
    if (e instanceof BackupError && e.code === 'not-installed') return null;
    throw e;
  }
}

/** A tag's value ("instance=production" -> "production"). */
export function tagValue(tags: readonly string[], name: string): string | null {
  const t = tags.find((x) => x.startsWith(`${name}=`));
  return t ? t.slice(name.length + 1) : null;
}
