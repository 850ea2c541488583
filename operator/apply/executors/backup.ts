import type { Action } from '../../plan/types.ts';
import { takeBackup } from '../backup.ts';
import type { ExecContext } from '../context.ts';

export async function backup(_action: Extract<Action, { kind: 'backup' }>, ctx: ExecContext): Promise<void> {
  ctx.backup = await takeBackup(ctx);
}
