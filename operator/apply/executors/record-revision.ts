import type { Action } from '../../plan/types.ts';
import { hostEdit, type ExecContext } from '../context.ts';

/**
 * state.json on the server says which revision this instance last converged to (atomic rename);
 * with it, the files checksums of its modules as applied (what the next plan compares with).
 */
export async function recordRevision(action: Extract<Action, { kind: 'record-revision' }>, ctx: ExecContext): Promise<void> {
  await hostEdit(ctx, { op: 'record', instance: action.instance, revision: action.revision, at: ctx.now().toISOString(), ...(action.moduleChecksums ? { modules: action.moduleChecksums } : {}) });
}
