import type { Action } from '../../plan/types.ts';
import type { ExecContext } from '../context.ts';
import { startOdoo } from '../health.ts';

/** `up -d` starts odoo on the new code, config and schema (recreating the container when .env changed). */
export async function start(_action: Extract<Action, { kind: 'start' }>, ctx: ExecContext): Promise<void> {
  await startOdoo(ctx);
  ctx.served = true;
}
