/**
 * The pre-change snapshot of one instance (operator/host/scripts/snapshot.sh): files and
 * addons commits always; the database (pg_dump -Fc, verified readable) and the filestore when
 * the run may have to restore them, odoo stopped first so no write falls between the dump and
 * the change. "Absent" comes from pg_database, never from an error message; any dump failure
 * after its retries fails the snapshot, and then nothing has been changed.
 */
import type { Action } from '../plan/types.ts';
import { guarded, snapshot as snapshotCommand } from '../host/commands.ts';
import { snapshotsDir } from '../host/paths.ts';
import { failureOf, protocolLines, type ExecContext, type SnapshotRef } from './context.ts';

/** Complete snapshots kept per instance. */
export const SNAPSHOT_RETENTION = 3;
/** pg_dump attempts before the snapshot fails (a concurrent DROP TABLE makes pg_dump fail; a retry usually passes). */
export const DUMP_ATTEMPTS = 3;

/** Directory names sort by time: 20261101T020000Z-<runId>. */
export function snapshotStamp(now: Date, runId: string): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${runId}`;
}

export async function takeSnapshot(action: Extract<Action, { kind: 'snapshot' }>, ctx: ExecContext): Promise<SnapshotRef> {
  const dir = `${snapshotsDir(action.instance)}/${snapshotStamp(ctx.now(), ctx.runId)}`;
  const res = await ctx.session.exec(guarded(snapshotCommand({
    instance: action.instance, dir, database: ctx.instance.database, withDatabase: action.database, keep: SNAPSHOT_RETENTION, attempts: DUMP_ATTEMPTS,
  }), ctx.runId));
  const lines = protocolLines(res.stdout);
  // Odoo was stopped for the dump: whatever happens next, the rollback starts it again.
  if (lines.has('STOPPED')) ctx.touched.add('odoo-stopped');
  for (const retry of lines.get('RETRY') ?? []) ctx.note(`pg_dump attempt ${retry}: retried`);
  if (res.code !== 0) throw failureOf(res);
  for (const removed of lines.get('REMOVED') ?? []) ctx.note(`retention removed snapshot ${removed}`);
  const size = lines.get('SIZE')?.[0];
  const entries = lines.get('ENTRIES')?.[0];
  const absent = lines.has('ABSENT');
  ctx.note(`snapshot ${dir} (${size ?? '?'} KiB${action.database ? (absent ? '; database did not exist' : `; dump verified, ${entries ?? '?'} entries`) : '; files only'})`);
  return { dir, withDatabase: action.database, dumped: action.database && !absent };
}
