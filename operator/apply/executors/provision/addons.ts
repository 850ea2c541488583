import { addonsCheckout } from '../../../host/commands.ts';
import { addonsDir } from '../../../host/paths.ts';
import type { ProvisionAction } from '../../../provision/types.ts';
import { run, type ExecContext } from '../../context.ts';

/** Clone the repository at its ref (resolved on the server); addons_path already lists it (rendered odoo.conf). */
export async function provisionAddonsStep(action: Extract<ProvisionAction, { kind: 'provision-addons' }>, ctx: ExecContext): Promise<void> {
  const { repo } = action;
  const credential = ctx.secrets.credentials[action.instance]?.[repo.name];
  const res = await run(ctx, addonsCheckout({ dir: addonsDir(action.instance, repo.name), url: repo.url, ref: repo.ref, commit: null, ...(credential ? { credential } : {}) }));
  ctx.note(`${repo.name} at ${(res.stdout.trim().split('\n').pop() ?? '').slice(0, 12)}`);
}
