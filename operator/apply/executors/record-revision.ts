import type { Action } from '../../plan/types.ts';
import { STATE_FILE } from '../../live/commands.ts';
import { hostEdit, type ExecContext } from '../context.ts';

/** state.json on the server says which revision this instance last converged to (atomic rename). */
export async function recordRevision(action: Extract<Action, { kind: 'record-revision' }>, ctx: ExecContext): Promise<void> {
  await hostEdit(ctx, ['record', STATE_FILE, action.instance, action.revision, ctx.now().toISOString()]);
}
