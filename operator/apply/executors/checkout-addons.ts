import type { Action } from '../../plan/types.ts';
import { addonsCheckout } from '../../host/commands.ts';
import { addonsDir, containerAddonsPath } from '../../host/paths.ts';
import { ActionFailure, hostEdit, run, type ExecContext } from '../context.ts';

/** Detach the checkout at the desired commit and make sure addons_path lists it. */
export async function checkoutAddons(action: Extract<Action, { kind: 'checkout-addons' }>, ctx: ExecContext): Promise<void> {
  const { repo } = action;
  const credential = ctx.secrets.credentials[action.instance]?.[repo.name];
  const res = await run(ctx, addonsCheckout({ dir: addonsDir(action.instance, repo.name), url: repo.url, ref: repo.ref, commit: action.toCommit, ...(credential ? { credential } : {}) }));
  const head = res.stdout.trim().split('\n').pop() ?? '';
  if (action.toCommit && head !== action.toCommit) {
    throw new ActionFailure(`addons ${repo.name}: HEAD is ${head}, expected ${action.toCommit}`, res.command, res.stderr);
  }
  ctx.note(`${repo.name} at ${head.slice(0, 12)}`);
  await hostEdit(ctx, { op: 'ensure-addons-path', instance: action.instance, entry: containerAddonsPath(repo.name) });
}
