import { appliedStateOf, resolvedAddonsOf, secretMarks } from '../../drift/applied-state.ts';
import type { Action } from '../../plan/types.ts';
import { hostEdit, type ExecContext } from '../context.ts';

/**
 * state.json on the server says which revision this instance last converged to (atomic
 * rename), and the state that left (image, options, addons commits, modules; secrets as a
 * digest), so drift can tell a hand edit from a change still waiting for its window; with it,
 * the files checksums of its modules as applied (what the next plan compares with): as the
 * health check's read-back found them on disk, else as the plan expected them.
 */
export async function recordRevision(action: Extract<Action, { kind: 'record-revision' }>, ctx: ExecContext): Promise<void> {
  const modules = ctx.checksumsAfter && Object.keys(ctx.checksumsAfter).length ? ctx.checksumsAfter : action.moduleChecksums;
  const applied = appliedStateOf(ctx.instance, resolvedAddonsOf(ctx.liveAfter ?? ctx.live), secretMarks(ctx.secrets.options[action.instance]));
  await hostEdit(ctx, { op: 'record', instance: action.instance, revision: action.revision, at: ctx.now().toISOString(), applied, ...(modules ? { modules } : {}) });
}
