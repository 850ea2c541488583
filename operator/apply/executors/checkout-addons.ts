import type { Action } from '../../plan/types.ts';
import { addonsCheckout, addonsDir, confFile, containerAddonsPath } from '../../live/commands.ts';
import { ActionFailure, hostEdit, run, type ExecContext } from '../context.ts';

/** Detach the checkout at the desired commit and make sure addons_path lists it. */
export async function checkoutAddons(action: Extract<Action, { kind: 'checkout-addons' }>, ctx: ExecContext): Promise<void> {
  const { repo } = action;
  const res = await run(ctx, addonsCheckout(addonsDir(action.instance, repo.name), repo.url, repo.ref, action.toCommit), { timeoutMs: 10 * 60_000 });
  const head = res.stdout.trim().split('\n').pop() ?? '';
  if (action.toCommit && head !== action.toCommit) {
    throw new ActionFailure(`addons ${repo.name}: HEAD is ${head}, expected ${action.toCommit}`, res.command, res.stderr);
  }
  ctx.note(`${repo.name} at ${head.slice(0, 12)}`);
  await hostEdit(ctx, ['ensure-addons-path', confFile(action.instance), containerAddonsPath(repo.name)]);
}
