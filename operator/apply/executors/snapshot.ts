import type { Action } from '../../plan/types.ts';
import type { ExecContext } from '../context.ts';
import { takeSnapshot } from '../snapshot.ts';

export async function snapshot(action: Extract<Action, { kind: 'snapshot' }>, ctx: ExecContext): Promise<void> {
  ctx.snapshot = await takeSnapshot(action, ctx);
}
