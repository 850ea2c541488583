import type { Action } from '../../plan/types.ts';
import { compose } from '../../live/commands.ts';
import { run, type ExecContext } from '../context.ts';

/** `up -d` starts what is stopped; `restart odoo` reloads config, code and registry. */
export async function restart(action: Extract<Action, { kind: 'restart' }>, ctx: ExecContext): Promise<void> {
  await run(ctx, compose(action.instance, 'up', '-d'), { timeoutMs: 5 * 60_000 });
  await run(ctx, compose(action.instance, 'restart', 'odoo'), { timeoutMs: 5 * 60_000 });
}
