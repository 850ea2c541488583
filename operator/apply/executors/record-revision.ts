import type { Action } from '../../plan/types.ts';
import { hostEdit, type ExecContext } from '../context.ts';

/**
 * state.json on the server says which revision this instance last converged to (atomic rename);
 * with it, the files checksums of its modules as applied (what the next plan compares with): as
 * the health check's read-back found them on disk, else as the plan expected them.
 */
export async function recordRevision(action: Extract<Action, { kind: 'record-revision' }>, ctx: ExecContext): Promise<void> {
  const modules = ctx.checksumsAfter && Object.keys(ctx.checksumsAfter).length ? ctx.checksumsAfter : action.moduleChecksums;
  await hostEdit(ctx, { op: 'record', instance: action.instance, revision: action.revision, at: ctx.now().toISOString(), ...(modules ? { modules } : {}) });
}
