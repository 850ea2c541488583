/**
 * The backup files on a server are a managed-files unit ("backup" in
 * operator/managed/registry.ts, rendered by operator/render/backup.ts): `odoops apply`
 * installs them and `odoops drift` reports a hand-edited one like any other managed file.
 * Here: the same unit on demand, for `odoops backup` (files first, then the backup) and
 * `odoops reinstall`, under the caller's server lock.
 */
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import { connectSsh, type ConnectOptions, type HostSession } from '../live/ssh.ts';
import { applyObservedManaged, observeManaged, type ManagedState } from '../managed/index.ts';
import { MANAGED_ENTRIES } from '../managed/registry.ts';
import { OdoopsError } from '../util/errors.ts';

export const BACKUP_UNIT = 'backup';

export class BackupFilesError extends OdoopsError {
  readonly code = 'backup-files';
  readonly transient = false;
}

/** The backup unit's managed-files plan on this server (what differs from the rendering). */
export function observeBackupFiles(session: HostSession, spec: ClientSpec, fleet: FleetSpec, env?: NodeJS.ProcessEnv): Promise<ManagedState> {
  return observeManaged(session, spec, fleet, { entries: MANAGED_ENTRIES.filter((e) => e.unit === BACKUP_UNIT), ...(env ? { env } : {}) });
}

/** Installs the backup files when they differ from the desired state; the paths written ([] when none differed). */
export async function ensureBackupFiles(
  session: HostSession,
  spec: ClientSpec,
  fleet: FleetSpec,
  opts: { runId: string; env?: NodeJS.ProcessEnv; ssh?: ConnectOptions },
): Promise<string[]> {
  const state = await observeBackupFiles(session, spec, fleet, opts.env);
  if (state.plan.blocked) throw new BackupFilesError(`${spec.name}: ${state.plan.blocked.message}`);
  const refused = state.plan.refused.map((r) => r.reason.message);
  if (refused.length) throw new BackupFilesError(`${spec.name}: the backup files cannot be rendered: ${refused.join('; ')}`);
  if (state.plan.actions.length === 0) return [];
  const res = await applyObservedManaged(session, state, { runId: opts.runId, reconnect: () => connectSsh(spec.name, spec.server, opts.ssh) });
  const bad = res.actions.filter((a) => a.outcome !== 'applied');
  if (bad.length) throw new BackupFilesError(`${spec.name}: installing the backup files failed: ${bad.map((a) => `${a.outcome}${a.detail ? ` (${a.detail})` : ''}`).join('; ')}`);
  return state.plan.actions.flatMap((a) => a.files.map((f) => f.path));
}
